// A small XML reader for the tests that check SVG output, shared by AutodiffTests,
// NeuralNetworksTests and BackpropToolTests through the TestSupport target.
#if canImport(FoundationXML)
import FoundationXML
#endif
import Foundation

/// An XML document read with Foundation's `XMLParser`, as a flat list of elements in document
/// order (no tree, no recursion): each knows its parent, its attributes and its own text.
public final class XMLElements: NSObject, XMLParserDelegate {
    /// One element: its name, attributes, parent's position in ``elements`` and direct text.
    public struct Element {
        public let name: String
        public let attributes: [String: String]
        public let parent: Int?
        public var text = ""

        /// An attribute as a number (nil if absent or not a number).
        public func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
    }

    public private(set) var elements: [Element] = []
    private var open: [Int] = []
    /// Why parsing failed, or nil for a well-formed document.
    public private(set) var failure: String?

    /// Parses `text`; check ``failure`` before reading the elements.
    public init(_ text: String) {
        super.init()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = self
        if !parser.parse() {
            failure = parser.parserError.map { "\($0) at line \(parser.lineNumber)" } ?? "parse failed at line \(parser.lineNumber)"
        }
    }

    public func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append(Element(name: elementName, attributes: attributeDict, parent: open.last))
        open.append(elements.count - 1)
    }

    public func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        open.removeLast()
    }

    public func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = open.last { elements[i].text += string }
    }

    /// The positions of the elements named `name` whose `class` is `className` (any if nil).
    public func all(_ name: String, class className: String? = nil) -> [Int] {
        elements.indices.filter { elements[$0].name == name && (className == nil || elements[$0].attributes["class"] == className) }
    }

    /// The positions of the elements inside element `i` (they follow it in document order).
    public func descendants(of i: Int) -> [Int] {
        var result = [Int](), inside: Set<Int> = [i]
        var j = i + 1
        while j < elements.count, let p = elements[j].parent, inside.contains(p) {
            inside.insert(j)
            result.append(j)
            j += 1
        }
        return result
    }

    /// The text of the elements named `name` inside element `i`, in document order.
    public func texts(of name: String, in i: Int) -> [String] {
        descendants(of: i).filter { elements[$0].name == name }.map { elements[$0].text }
    }

    /// The whole document's character data, concatenated.
    public var allText: String { elements.map(\.text).joined(separator: " ") }
}
