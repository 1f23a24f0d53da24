/// The mynasim release, as `mynasim --version` prints it and the readers report it (the IFD
/// handler's Makefile reads it from this line).
public let mynasimVersion = "0.2.0"
