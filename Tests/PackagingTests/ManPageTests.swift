import Glibc
import SystemKit
import Testing

/// The man pages in docs/man: they render offline without a warning, and they document
/// every option the binaries' own --help lists, so the two cannot drift apart silently.
@Suite("man pages")
struct ManPageTests {
    static let directory = PackagingEnvironment.packageRoot + "/docs/man/"

    static let pages = ["contaird.8", "ctrs.1", "runcs.8"]

    /// A page's source with roff's escaped hyphens made plain, for finding option names.
    static func plainSource(_ page: String) throws -> String {
        try FileSystem.readText(directory + page).replacing("\\-", with: "-")
    }

    /// The long options (`--name`) a help text mentions.
    static func longOptions(in help: String) -> Set<String> {
        var options = Set<String>()
        for word in help.split(whereSeparator: { " ,[]|=\n\t".contains($0) }) {
            guard word.hasPrefix("--"), word.count > 2 else {
                continue
            }
            let name = word.prefix { $0 == "-" || $0.isLetter || $0.isNumber }
            options.insert(String(name))
        }
        return options
    }

    @Test("renders with man -l and no warnings", arguments: pages)
    func rendersWithoutWarnings(page: String) throws {
        let path = Self.directory + page
        try #require(FileSystem.exists(path), "\(path) is missing")
        let renderer = PackagingEnvironment.hasProgram("man")
            ? ["env", "MANWIDTH=80", "MAN_KEEP_FORMATTING=0", "man", "--warnings=all",
               "-l", path]
            : ["groff", "-man", "-Tutf8", "-wall", path]
        let rendered = try CommandResult.run(renderer)
        #expect(rendered.succeeded, "\(rendered)")
        #expect(rendered.stderr.isEmpty, "\(rendered)")

        // The NAME section names the binary, and the page has real content.
        let name = String(page.prefix { $0 != "." })
        #expect(rendered.stdout.contains(name.uppercased()))
        #expect(rendered.stdout.split(separator: "\n").count > 40)
    }

    @Test("contaird(8) documents every option of contaird --help",
          .enabled(if: PackagingEnvironment.missingBinaries(["contaird"]) == nil))
    func contairdOptions() throws {
        let help = try CommandResult.run([PackagingEnvironment.product("contaird"), "--help"])
        try #require(help.succeeded, "\(help)")
        let source = try Self.plainSource("contaird.8")
        let options = Self.longOptions(in: help.stdout)
        #expect(options.count >= 10)
        for option in options {
            let documented = source.contains(option)
            #expect(documented, "contaird.8 lacks \(option)")
        }
    }

    @Test("runcs(8) documents every command and global option",
          .enabled(if: PackagingEnvironment.missingBinaries(["runcs"]) == nil))
    func runcsOptions() throws {
        let help = try CommandResult.run([PackagingEnvironment.product("runcs"), "--help"])
        try #require(help.succeeded, "\(help)")
        let source = try Self.plainSource("runcs.8")
        for option in Self.longOptions(in: help.stdout) {
            let documented = source.contains(option)
            #expect(documented, "runcs.8 lacks \(option)")
        }
        // The commands are the first words of the lines under "COMMANDS:" in the help.
        let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let listed = lines.drop { $0 != "COMMANDS:" }.dropFirst().prefix { !$0.isEmpty }
        let commands = listed.compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(commands.count >= 8)
        for command in commands {
            let documented = source.contains(".B \(command)")
            #expect(documented, "runcs.8 lacks the \(command) command")
        }
    }

    @Test("ctrs(1) documents every command and each command's options",
          .enabled(if: PackagingEnvironment.missingBinaries(["ctrs"]) == nil))
    func ctrsOptions() throws {
        let ctrs = PackagingEnvironment.product("ctrs")
        let help = try CommandResult.run([ctrs, "--help"])
        try #require(help.succeeded, "\(help)")
        let source = try Self.plainSource("ctrs.1")

        // Commands are the indented lines between "Commands:" and the next heading; a
        // command's name ends where two spaces start its description.
        let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "Commands:") else {
            Issue.record("ctrs --help has no Commands: section")
            return
        }
        let commands = lines[(start + 1)...].prefix { $0.hasPrefix("  ") }.map { line in
            let trimmed = line.drop { $0 == " " }
            let end = trimmed.firstRange(of: "  ")?.lowerBound ?? trimmed.endIndex
            return String(trimmed[..<end])
        }
        #expect(commands.count > 20)
        for command in commands {
            let documented = source.contains(command)
            #expect(documented, "ctrs.1 lacks the command \(command)")
            let words = command.split(separator: " ").map(String.init)
            let commandHelp = try CommandResult.run([ctrs] + words + ["--help"])
            #expect(commandHelp.succeeded, "\(commandHelp)")
            for option in Self.longOptions(in: commandHelp.stdout) where option != "--help" {
                let documented = source.contains(option)
                #expect(documented, "ctrs.1 lacks \(option) of \(command)")
            }
        }
    }
}
