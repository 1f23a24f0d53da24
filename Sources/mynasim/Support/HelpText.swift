/// Help text written as paragraphs, for ArgumentParser to wrap to the terminal's width.
///
/// In the source a paragraph may span several lines; they are joined into one, which
/// ArgumentParser wraps. A blank line separates paragraphs, and a line that starts with blanks
/// (a command, a reader.conf entry) is kept as it is, on a line of its own.
enum HelpText {
    static func paragraphs(_ text: String) -> String {
        var lines: [String] = []
        var paragraph: [Substring] = []
        func endParagraph() {
            if !paragraph.isEmpty { lines.append(paragraph.joined(separator: " ")) }
            paragraph = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                endParagraph()
                if lines.last != "" { lines.append("") }
            } else if line.first!.isWhitespace {
                endParagraph()
                lines.append(String(line))
            } else {
                paragraph.append(line)
            }
        }
        endParagraph()
        while lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
