import ArgumentParser
import Foundation
import Harness
import MynaPersona

/// Values for script variables from outside the scripts: a persona's credentials and data,
/// `--let` on the command line and `--ask` at a prompt (docs/script-format.md, "Variables from
/// outside").
struct ScriptVariableOptions: ParsableArguments {
    @Option(
        name: .customLong("let"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Set a variable: NAME=HEX, or 'NAME=\"text\"' with the quotes inside the argument (repeatable).",
            valueName: "NAME=VALUE"))
    var assignments: [String] = []
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Prompt for a variable's value without echo, e.g. --ask AUTH_PIN (repeatable; needs a terminal).", valueName: "NAME"))
    var ask: [String] = []
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Bind this persona's credentials and data as variables without using its card (e.g. with --reader on mynasim's reader).",
            valueName: "PERSONA_DIR"))
    var persona: String?

    /// The variables for a run whose card is `source`: the persona's (with `--card` or `--persona`),
    /// then `--let`, then `--ask`, each overriding the one before.
    func variables(for source: CardSource) throws -> (variables: ScriptVariables, persona: Persona?) {
        var variables = ScriptVariables()
        var personaURL = persona.map { URL(fileURLWithPath: $0) }
        if case .persona(let url) = source {
            if let personaURL, personaURL.standardizedFileURL != url.standardizedFileURL {
                throw CLIError(
                    "--persona \(personaURL.path) and --card \(url.path) name different personas; --card alone binds its persona's variables"
                )
            }
            personaURL = url
        }
        var loaded: Persona?
        if let personaURL {
            let persona = try PersonaDirectory(url: personaURL).persona
            variables = ScriptVariables(persona: persona)
            loaded = persona
        }
        for assignment in assignments { try variables.assign(assignment) }
        for name in ask {
            guard isatty(0) != 0 else { throw VariableError.noTerminal(name) }
            let meaning = ScriptVariables.catalog[name].map { " (\($0.meaning))" } ?? ""
            guard let typed = getpass("\(name)\(meaning): ") else { throw VariableError.noTerminal(name) }
            try variables.set(name, text: String(cString: typed))
        }
        return (variables, loaded)
    }
}
