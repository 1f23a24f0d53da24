import ISO7816

/// The BER-TLV structure of response data without its values: tags, declared lengths and
/// nesting. A comparison and a masked trace show this instead of personal data.
package struct DataShape: Hashable, Sendable, Codable, CustomStringConvertible {
    /// One data object.
    package struct Node: Hashable, Sendable, Codable {
        package var tag: UInt32
        /// The length its header declares.
        package var length: Int
        /// Value bytes actually present (less than `length` for the first bytes of a file).
        package var present: Int
        /// Nested objects of a constructed tag whose value parses.
        package var children: [Node]?
    }

    /// The objects at the top level.
    package var nodes: [Node]
    /// Bytes after the objects: filler (`FF` or `00` runs) or bytes that are not BER-TLV.
    package var trailing: Int

    /// The shape of `data`, or nil when it does not start with a BER-TLV object.
    package init?(_ data: [UInt8]) {
        guard let (nodes, trailing, _) = Self.parse(data[...]), !nodes.isEmpty else { return nil }
        self.nodes = nodes
        self.trailing = trailing
    }

    /// Objects from the start of `bytes`; the last may be cut short (then `cut` is true).
    static func parse(_ bytes: ArraySlice<UInt8>) -> ([Node], trailing: Int, cut: Bool)? {
        var nodes: [Node] = []
        var rest = bytes
        var cut = false
        while !rest.isEmpty {
            if rest.allSatisfy({ $0 == 0xFF }) || rest.allSatisfy({ $0 == 0x00 }) { break }
            guard let header = try? BERTLV.parseHeader(rest) else { break }
            let valueStart = rest.startIndex + header.headerLength
            let present = min(header.valueLength, rest.endIndex - valueStart)
            let value = rest[valueStart..<valueStart + present]
            let complete = present == header.valueLength
            // A constructed tag's value is nested objects only if they fill it exactly (the card
            // also puts plain bytes under constructed-looking tags such as FF10); a value cut
            // short may end in a cut object.
            var children: [Node]?
            if BERTLV(tag: header.tag, value: []).isConstructed, let nested = parse(value), !nested.0.isEmpty,
                nested.trailing == 0, !complete || !nested.cut
            {
                children = nested.0
            }
            nodes.append(Node(tag: header.tag, length: header.valueLength, present: present, children: children))
            rest = rest.dropFirst(header.headerLength + present)
            if !complete {
                cut = true
                break
            }
        }
        return (nodes, rest.count, cut)
    }

    /// Tags and lengths down to `depth` levels, e.g. `30(1210){30(930){A0(3) 02(8) …}}`.
    package func text(depth: Int = 2) -> String {
        var out = Self.text(nodes, depth: depth)
        if trailing > 0 { out += " +\(trailing) bytes" }
        return out
    }

    package var description: String { text() }

    static func text(_ nodes: [Node], depth: Int) -> String {
        nodes.map { node in
            var item = "\(Hex.encode(BERTLV.tagBytes(node.tag)))(\(node.length)"
            item += node.present < node.length ? ", \(node.present) present)" : ")"
            if let children = node.children, !children.isEmpty {
                item += depth > 1 ? "{\(text(children, depth: depth - 1))}" : "{…}"
            }
            return item
        }.joined(separator: " ")
    }

    /// Where two shapes first differ.
    package struct Difference: Hashable, Sendable {
        /// Tags or nesting differ (the structure); otherwise only a declared length or the bytes
        /// after the objects.
        package var inTags: Bool
        package var text: String
    }

    /// The first place two shapes differ, in words (`30 › 30 › 02: length 8 vs 16`), or nil when
    /// tags, lengths and nesting are the same. This shape is the left side.
    package func firstDifference(from other: DataShape) -> Difference? {
        if let difference = Self.firstDifference(nodes, other.nodes, path: []) { return difference }
        if trailing != other.trailing {
            return Difference(inTags: false, text: "bytes after the objects: \(trailing) vs \(other.trailing)")
        }
        return nil
    }

    static func firstDifference(_ a: [Node], _ b: [Node], path: [String]) -> Difference? {
        let place = path.isEmpty ? "top level" : path.joined(separator: " › ")
        for (x, y) in zip(a, b) {
            let tag = Hex.encode(BERTLV.tagBytes(x.tag))
            let here = (path + [tag]).joined(separator: " › ")
            guard x.tag == y.tag else {
                return Difference(inTags: true, text: "\(place): tag \(tag) vs \(Hex.encode(BERTLV.tagBytes(y.tag)))")
            }
            if x.length != y.length { return Difference(inTags: false, text: "\(here): length \(x.length) vs \(y.length)") }
            switch (x.children, y.children) {
            case (let p?, let q?):
                if let difference = firstDifference(p, q, path: path + [tag]) { return difference }
            case (nil, nil): break
            default: return Difference(inTags: true, text: "\(here): nested objects on one side only")
            }
        }
        if a.count != b.count { return Difference(inTags: true, text: "\(place): \(a.count) vs \(b.count) objects") }
        return nil
    }
}
