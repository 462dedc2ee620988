/// A parsed JSON value whose objects keep their key order. Used for control records.
package enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    package func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .integer(let i): hasher.combine(i)
        case .double(let d): hasher.combine(d)
        case .string(let s): hasher.combine(s)
        case .array(let a): hasher.combine(a)
        case .object(let o):
            for (k, v) in o {
                hasher.combine(k)
                hasher.combine(v)
            }
        }
    }

    /// The value of `key` in an object, or nil.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// A member name that appears twice in some object of this value, if any. Readers disagree on which of two
    /// equal names wins, so records must not have them.
    package var repeatedMemberName: String? {
        switch self {
        case .array(let items):
            for item in items { if let name = item.repeatedMemberName { return name } }
        case .object(let members):
            var names = Set<String>()
            for (name, value) in members {
                if !names.insert(name).inserted { return name }
                if let inner = value.repeatedMemberName { return inner }
            }
        default: break
        }
        return nil
    }

    /// Serializes compactly, keys in their stored order — or, with `sortingKeys`, every object's members ordered
    /// by the bytes of their keys (stable: members with equal keys keep their order), without copying the value.
    package func write(to out: inout ByteBuffer, sortingKeys: Bool = false) {
        switch self {
        case .null: out.append(ascii: "null")
        case .bool(let b): out.append(ascii: b ? "true" : "false")
        case .integer(let i): out.append(integer: i)
        case .double(let d): out.append(double: d)
        case .string(let s): out.append(jsonString: s)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out, sortingKeys: sortingKeys)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            func precedes(_ a: Int, _ b: Int) -> Bool { members[a].0.utf8.lexicographicallyPrecedes(members[b].0.utf8) }
            func member(_ index: Int, first: Bool) {
                if !first { out.append(UInt8(ascii: ",")) }
                out.append(jsonString: members[index].0)
                out.append(UInt8(ascii: ":"))
                members[index].1.write(to: &out, sortingKeys: sortingKeys)
            }
            if !sortingKeys || members.indices.dropFirst().allSatisfy({ !precedes($0, $0 - 1) }) {
                for index in members.indices { member(index, first: index == 0) }
            } else {
                for (i, index) in members.indices.sorted(by: precedes).enumerated() { member(index, first: i == 0) }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The compact serialization as a string.
    package var compactText: String {
        var buffer = ByteBuffer()
        write(to: &buffer)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }
}
