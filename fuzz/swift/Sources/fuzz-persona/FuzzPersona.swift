import Foundation
import FuzzSupport
import MynaPersona

// The persona loader's YAML part: persona.yaml decoded into a Persona and checked
// (Persona.problems()). Any text ends in a Persona without problems, or in a PersonaError that
// names the file; it never traps.

/// Builds the fixtures before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: FuzzerArgumentCount, _ argv: FuzzerArgumentVector) -> CInt {
    _ = Scratch.directory
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPersona(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = Scratch.file("persona.yaml", FuzzInput(data, size).bytes)
    do {
        let document = try YAMLDocument<Persona>(url: URL(fileURLWithPath: path))
        let problems = document.value.problems()
        for problem in problems {
            let error = document.problem(at: problem.path, problem.message)
            fuzzCheck(error.description.contains(path), "a problem that does not name the file: \(error)")
        }
        // A persona without problems is one a card is issued from: what issuing and
        // `mynasim persona show` derive from it must not trap either.
        let persona = document.value
        if problems.isEmpty {
            _ = persona.verificationNumberB
            _ = persona.certificateExpiry
            _ = persona.birthDate.japaneseEra
            _ = persona.birthDate.japaneseEra.era.kanji
            _ = persona.birthDate.age(on: persona.card.issued)
            _ = persona.birthDate.endOfDayInJapan
            _ = persona.card.expiry.startOfDayInJapan
        }
        _ = try? JSONEncoder().encode(persona)
    } catch {
        fuzzCheck(error.description.contains(path), "an error that does not name the file: \(error)")
    }
    return 0
}
