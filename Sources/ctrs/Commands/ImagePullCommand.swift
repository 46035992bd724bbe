import CommandLineKit
import SystemKit
import Varlink

/// `ctrs image pull REFERENCE`: pulls through the daemon, showing each blob's progress
/// as a bar on a terminal, as plain lines otherwise, and nothing with `--quiet`.
enum ImagePullCommand: Command {
    static let names = ["image", "pull"]
    static let summary = "pull an image from a registry"
    static let usage = "[OPTIONS] REFERENCE"
    static let options: [ArgumentParser.Option] = [
        .init("platform", value: "OS/ARCH[/VARIANT]",
              help: "the platform (default: the daemon's)"),
        .init("all-platforms", help: "pull every platform of an index"),
        .init("plain-http", help: "talk HTTP, not HTTPS (a registry on loopback)"),
        .init("user", value: "USER[:PASSWORD]", help: "registry credentials"),
        CommonOptions.quiet,
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> Int32 {
        let reference = try CommonOptions.exactly(["REFERENCE"], in: arguments)[0]
        var parameters: JSONObject = [
            "reference": .string(reference),
            "allPlatforms": .bool(arguments.flag("all-platforms")),
            "plainHttp": .bool(arguments.flag("plain-http")),
        ]
        parameters["platform"] = arguments.value("platform").map { .string($0) }
        if let user = arguments.value("user") {
            let (name, password) = ContainerSpecOptions.split(user.replacingColon())
            parameters["username"] = .string(name)
            parameters["password"] = password.map { .string($0) }
        }
        let quiet = arguments.flag("quiet")
        let terminal = StandardStreams.isTerminal(.standardOutput)
        var display = PullProgressDisplay(style: quiet ? .silent : terminal ? .bars : .lines)
        var image: JSONObject?
        try context.connect().stream("io.contaird.Images.Pull", parameters) { reply in
            for progress in reply["progress"]?.arrayValue ?? [] {
                if let object = progress.objectValue {
                    display.update(object)
                }
            }
            if let pulled = reply["image"]?.objectValue {
                image = pulled
            }
            return true
        }
        display.finish()
        if !quiet, let image {
            StandardStreams.printLine("\(Formatting.string(image, "name")) "
                + Formatting.string(image, "digest"))
        }
        return 0
    }
}

extension String {
    /// "user:password" with its first colon as "=", for `ContainerSpecOptions.split`.
    fileprivate func replacingColon() -> String {
        Substring(self).replacingFirst(":", with: "=")
    }
}
