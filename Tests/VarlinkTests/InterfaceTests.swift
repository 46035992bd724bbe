import ContairdAPI
import SystemKit
import Testing
@testable import Varlink

@Suite struct InterfaceTests {
    @Test func embeddedDefinitionsEqualTheFilesInDocsAPI() throws {
        let directory = TestSupport.packageRoot() + "/docs/api"
        let files = try FileSystem.listDirectory(directory)
            .filter { $0.hasPrefix("io.contaird.") && $0.hasSuffix(".varlink") }
            .sorted()
        #expect(files.map { String($0.dropLast(".varlink".count)) }
            == ContairdInterfaces.all.map(\.name).sorted())
        for (name, text) in ContairdInterfaces.all {
            let file = try FileSystem.readText("\(directory)/\(name).varlink")
            #expect(text == file, """
                docs/api/\(name).varlink differs from its embedded copy: \
                run scripts/embed-api-interfaces.py
                """)
        }
    }

    @Test func contairdInterfacesParseAndAreConsistent() throws {
        for (name, text) in ContairdInterfaces.all {
            let interface = try VarlinkInterface(parsing: text)
            #expect(interface.name == name)
            #expect(interface.text == text)
            #expect(!interface.methods.isEmpty)
            // Every io.contaird error carries a message for people to read.
            for error in interface.errors.values {
                #expect(error.parameters.contains { $0.name == "message" && $0.type == .string },
                        "\(name).\(error.name) has no message")
            }
        }
        let tasks = try VarlinkInterface(parsing: ContairdInterfaces.tasks)
        let attach = try #require(tasks.methods["Attach"])
        #expect(attach.input.map(\.name) == ["id", "execId", "stdin"])
        #expect(attach.output == [VarlinkField(name: "tty", type: .bool)])
        #expect(tasks.types["Task"]?.type.description.contains(
            "status: (created, running, paused, stopped)") == true)
    }

    @Test func parsesEveryFormOfType() throws {
        let interface = try VarlinkInterface(parsing: """
            # The interface's documentation,
            # on two lines.
            interface org.example.every-form

            # A struct.
            type Shape (
              # Comments inside a member are allowed.
              name: string,
              kind: (circle, square),
              maybe: ?int,
              list: []float,
              map: [string]bool,
              set: [string](),
              nested: ?[]?[string](a: object, b: Shape)
            )

            method Draw(shape: Shape) -> ()
            error Failed (reason: string)
            """)
        #expect(interface.name == "org.example.every-form")
        #expect(interface.documentation == "The interface's documentation,\non two lines.")
        #expect(interface.memberNames == ["Shape", "Draw", "Failed"])
        let shape = try #require(interface.types["Shape"])
        #expect(shape.documentation == "A struct.")
        guard case .structure(let fields) = shape.type else {
            Issue.record("Shape is not a struct")
            return
        }
        #expect(fields.map(\.type) == [
            .string, .enumeration(["circle", "square"]), .optional(.int), .array(.float),
            .map(.bool), .map(.structure([])),
            .optional(.array(.optional(.map(.structure([
                VarlinkField(name: "a", type: .object),
                VarlinkField(name: "b", type: .named("Shape")),
            ]))))),
        ])
        #expect(interface.methods["Draw"]?.output == [])
        #expect(interface.errors["Failed"]?.parameters.first?.name == "reason")
    }

    @Test func refusesBrokenDefinitionsSayingWhere() throws {
        let cases: [(String, String)] = [
            ("interface 1org.example\nmethod A() -> ()", "invalid interface name"),
            ("interface org.-example\nmethod A() -> ()", "invalid interface name"),
            ("interface org\nmethod A() -> ()", "invalid interface name"),
            ("interface org.example", "at least one member"),
            ("interface org.example\nmethod a() -> ()", "capital"),
            ("interface org.example\nmethod A() -> ()\nerror A ()", "defined twice"),
            ("interface org.example\nmethod A(x: Missing) -> ()", "not defined"),
            ("interface org.example\nmethod A(x: ??int) -> ()", "??"),
            ("interface org.example\nmethod A(x: int, x: int) -> ()", "listed twice"),
            ("interface org.example\nmethod A(x: int) ()", "->"),
            ("interface org.example\nmethod A(a, b) -> ()", "not an enum"),
            ("interface org.example\nfunction A() -> ()", "\"type\", \"method\""),
            ("interface org.example\ntype T (bad__name: int)", "expected a name"),
        ]
        for (text, reason) in cases {
            do {
                _ = try VarlinkInterface(parsing: text)
                Issue.record("parsed: \(text)")
            } catch {
                #expect(error.description.contains(reason), "\(text): \(error)")
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
        do {
            _ = try VarlinkInterface(parsing: "interface org.example\n\nmethod A(x: Nope) -> ()")
        } catch {
            #expect(error.line == 3 && error.column == 13)
        }
    }

    static let validation = """
        interface org.example.check
        type Item (name: string, count: int, tags: ?[]string)
        method Put(
          id: string,
          item: Item,
          weight: ?float,
          mode: (fast, safe),
          attributes: ?[string]int,
          free: ?object
        ) -> ()
        """

    func check(_ text: String) throws -> VarlinkError? {
        let interface = try VarlinkInterface(parsing: Self.validation)
        let parameters = try #require(try JSONParser.parse(text).objectValue)
        do {
            try interface.validateInput(of: interface.methods["Put"]!, parameters)
            return nil
        } catch {
            return error
        }
    }

    @Test func validationAcceptsGoodCallsAndNamesTheBadParameter() throws {
        let item = #""item":{"name":"n","count":2}"#
        #expect(try check(#"{"id":"a",\#(item),"mode":"fast"}"#) == nil)
        #expect(try check(#"{"id":"a",\#(item),"mode":"safe","weight":1,"free":{"x":[]},"#
            + #""attributes":{"k":1}}"#) == nil)
        #expect(try check(#"{"id":"a",\#(item),"mode":"fast","weight":null,"free":null}"#)
            == nil)
        let bad: [(String, String)] = [
            (#"{\#(item),"mode":"fast"}"#, "id"),
            (#"{"id":1,\#(item),"mode":"fast"}"#, "id"),
            (#"{"id":"a","item":{"name":"n"},"mode":"fast"}"#, "item.count"),
            (#"{"id":"a","item":{"name":"n","count":1.5},"mode":"fast"}"#, "item.count"),
            (#"{"id":"a","item":{"name":"n","count":1,"tags":["x",2]},"mode":"fast"}"#,
             "item.tags[1]"),
            (#"{"id":"a",\#(item),"mode":"slow"}"#, "mode"),
            (#"{"id":"a",\#(item),"mode":"fast","attributes":{"k":"v"}}"#, "attributes.k"),
            (#"{"id":"a",\#(item),"mode":"fast","unknown":true}"#, "unknown"),
            (#"{"id":"a",\#(item),"mode":"fast","free":[1]}"#, "free"),
            (#"{"id":"a",\#(item),"mode":"fast","weight":"heavy"}"#, "weight"),
        ]
        for (text, parameter) in bad {
            #expect(try check(text) == VarlinkError.invalidParameter(parameter), "\(text)")
        }
    }
}
