import Synchronization
import Varlink

/// The server side of org.varlink.certification.
///
/// Each run has a client id from Start. The service remembers, per id, which call
/// comes next, and checks every call against the message the certification expects
/// (method, parameters, and the `more` and `oneway` flags); at the first difference it
/// answers CertificationError with both messages and forgets the run, so a later call
/// with that id gets ClientIdError. The expected values are those of the interface's
/// scenario: each reply's values become the next call's parameters.
final class CertificationService: Sendable {
    static let interfaceName = "org.varlink.certification"

    /// The runs in progress: client id → the member name of the call expected next.
    let runs = Mutex<[String: String]>([:])

    static let order = ["Start", "Test01", "Test02", "Test03", "Test04", "Test05", "Test06",
                        "Test07", "Test08", "Test09", "Test10", "Test11", "End"]

    static let pi = 3.141592653589793

    static let fourValues: JSONObject = [
        "bool": false, "int": 2, "float": .double(pi), "string": "a lot of string",
    ]

    static let map: JSONObject = ["foo": "Foo", "bar": "Bar"]

    static let set: JSONObject = ["one": [:], "two": [:], "three": [:]]

    /// The MyType value Test09 returns and Test10 must receive back.
    static let myType: JSONObject = [
        "object": [
            "method": "org.varlink.certification.Test09",
            "parameters": ["map": .object(map)],
        ],
        "enum": "two",
        "struct": ["first": 1, "second": "2"],
        "array": ["one", "two", "three"],
        "dictionary": .object(map),
        "stringset": .object(set),
        "interface": [
            "foo": [nil, ["foo": "foo", "bar": "bar"], nil, ["one": "foo", "two": "bar"]],
            "anon": ["foo": true, "bar": false],
        ],
    ]

    static let moreReplies: [String] = (1...10).map { "Reply number \($0)" }

    func makeService() throws -> VarlinkService {
        var service = try VarlinkService(description: CertificationInterface.text)
        for member in Self.order {
            service.handle(member) { [self] call, replier in
                try handle(call, replier)
            }
        }
        return service
    }

    func handle(_ call: VarlinkCall, _ replier: VarlinkReplier) throws {
        if call.member == "Start" {
            try expect(call, wants: Self.message("Start", [:]), clientID: nil)
            let clientID = Self.newClientID()
            runs.withLock { $0[clientID] = "Test01" }
            try replier.reply(["client_id": .string(clientID)])
            return
        }

        let clientID = call.parameters["client_id"]?.stringValue ?? ""
        try advance(clientID, from: call.member)
        var parameters: JSONObject = ["client_id": .string(clientID)]
        switch call.member {
        case "Test01":
            try expect(call, wants: Self.message("Test01", parameters), clientID: clientID)
            try replier.reply(["bool": true])
        case "Test02":
            parameters["bool"] = true
            try expect(call, wants: Self.message("Test02", parameters), clientID: clientID)
            try replier.reply(["int": 1])
        case "Test03":
            parameters["int"] = 1
            try expect(call, wants: Self.message("Test03", parameters), clientID: clientID)
            try replier.reply(["float": 1.0])
        case "Test04":
            parameters["float"] = 1.0
            try expect(call, wants: Self.message("Test04", parameters), clientID: clientID)
            try replier.reply(["string": "ping"])
        case "Test05":
            parameters["string"] = "ping"
            try expect(call, wants: Self.message("Test05", parameters), clientID: clientID)
            try replier.reply(Self.fourValues)
        case "Test06":
            for (key, value) in Self.fourValues {
                parameters[key] = value
            }
            try expect(call, wants: Self.message("Test06", parameters), clientID: clientID)
            try replier.reply(["struct": .object(Self.fourValues)])
        case "Test07":
            parameters["struct"] = .object(Self.fourValues)
            try expect(call, wants: Self.message("Test07", parameters), clientID: clientID)
            try replier.reply(["map": .object(Self.map)])
        case "Test08":
            parameters["map"] = .object(Self.map)
            try expect(call, wants: Self.message("Test08", parameters), clientID: clientID)
            try replier.reply(["set": .object(Self.set)])
        case "Test09":
            parameters["set"] = .object(Self.set)
            try expect(call, wants: Self.message("Test09", parameters), clientID: clientID)
            try replier.reply(["mytype": .object(Self.myType)])
        case "Test10":
            parameters["mytype"] = .object(Self.myType)
            try expect(call, wants: Self.message("Test10", parameters, more: true),
                       clientID: clientID)
            for (index, text) in Self.moreReplies.enumerated() {
                try replier.reply(["string": .string(text)],
                                  continues: index < Self.moreReplies.count - 1)
            }
        case "Test11":
            parameters["last_more_replies"] = .array(Self.moreReplies.map { .string($0) })
            try expect(call, wants: Self.message("Test11", parameters, oneway: true),
                       clientID: clientID)
        case "End":
            try expect(call, wants: Self.message("End", parameters), clientID: clientID)
            runs.withLock { _ = $0.removeValue(forKey: clientID) }
            try replier.reply(["all_ok": true])
        default:
            throw VarlinkError.methodNotImplemented(call.method)
        }
    }

    /// Checks that `member` is the call expected next in the run `clientID`, and moves
    /// the run on to the call after it.
    func advance(_ clientID: String, from member: String) throws {
        let expected = runs.withLock { $0[clientID] }
        guard let expected else {
            throw VarlinkError("\(Self.interfaceName).ClientIdError")
        }
        guard expected == member else {
            runs.withLock { _ = $0.removeValue(forKey: clientID) }
            throw Self.certificationError(
                wants: ["method": .string("\(Self.interfaceName).\(expected)")],
                got: ["method": .string("\(Self.interfaceName).\(member)")])
        }
        // End is the last call; its handler forgets the run.
        let index = Self.order.firstIndex(of: member)! + 1
        let next = index < Self.order.count ? Self.order[index] : "Start"
        runs.withLock { $0[clientID] = next }
    }

    /// Checks that `call` is the message `wants`; on a difference the run ends.
    func expect(_ call: VarlinkCall, wants: JSONObject, clientID: String?) throws {
        let got = Self.message(of: call)
        guard got == wants else {
            if let clientID {
                runs.withLock { _ = $0.removeValue(forKey: clientID) }
            }
            throw Self.certificationError(wants: wants, got: got)
        }
    }

    /// The call message the certification expects.
    static func message(_ member: String, _ parameters: JSONObject, more: Bool = false,
                        oneway: Bool = false) -> JSONObject {
        var message: JSONObject = ["method": .string("\(interfaceName).\(member)")]
        if !parameters.isEmpty {
            message["parameters"] = .object(parameters)
        }
        if more {
            message["more"] = true
        }
        if oneway {
            message["oneway"] = true
        }
        return message
    }

    /// The call as a message in canonical form: no empty parameters, no false flags,
    /// no null members (an absent maybe-value and a null one mean the same).
    static func message(of call: VarlinkCall) -> JSONObject {
        let parameters = withoutNulls(.object(call.parameters)).objectValue ?? [:]
        return message(call.member, parameters, more: call.more, oneway: call.oneway)
    }

    static func withoutNulls(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var result = JSONObject()
            for (key, member) in object where !member.isNull {
                result[key] = withoutNulls(member)
            }
            return .object(result)
        case .array(let elements):
            // Inside arrays, null is a value of its own (Interface.foo holds nulls).
            return .array(elements.map { $0.isNull ? $0 : withoutNulls($0) })
        default:
            return value
        }
    }

    static func certificationError(wants: JSONObject, got: JSONObject) -> VarlinkError {
        VarlinkError("\(interfaceName).CertificationError",
                     parameters: ["wants": .object(wants), "got": .object(got)])
    }

    /// 32 random hexadecimal digits.
    static func newClientID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let text = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }
}
