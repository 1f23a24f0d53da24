/// Shrinks a sequence on which the card and the model disagree to a small one that still
/// disagrees: drops the commands after the divergence, then runs of commands (halves, quarters, …,
/// single ones), then replaces commands with simpler ones, until nothing more can go.
struct ModelShrinker {
    let fails: ([ModelCommand]) -> Divergence?

    func shrink(_ commands: [ModelCommand]) -> (commands: [ModelCommand], divergence: Divergence) {
        guard var divergence = fails(commands) else { preconditionFailure("shrink needs a failing sequence") }
        var current = Array(commands.prefix(divergence.index + 1))
        var progress = true
        while progress {
            progress = false
            var chunk = max(1, current.count / 2)
            while chunk >= 1 {
                var start = 0
                while start < current.count {
                    var candidate = current
                    candidate.removeSubrange(start..<min(current.count, start + chunk))
                    if let found = fails(candidate) {
                        current = Array(candidate.prefix(found.index + 1))
                        divergence = found
                        progress = true
                    } else {
                        start += chunk
                    }
                }
                chunk /= 2
            }
            for index in current.indices {
                for simpler in current[index].simplifications {
                    var candidate = current
                    candidate[index] = simpler
                    if let found = fails(candidate) {
                        current = Array(candidate.prefix(found.index + 1))
                        divergence = found
                        progress = true
                        break
                    }
                }
                if progress { break }
            }
        }
        return (current, divergence)
    }
}
