import RuntimeKit
import Testing

/// `linux.devices` of every type: a FIFO ("p") needs no devices-controller rule (the
/// controller knows block and character devices only) and an unbuffered character
/// device ("u") is allowed as a character device.
@Suite struct ListedDeviceTests {
    @Test func aFIFOAndAnUnbufferedCharacterDeviceAreMadeAndUsable() throws {
        let script = "stat -c %F /dev/test-fifo; stat -c '%F %t:%T' /dev/test-null"
            + "; echo through > /dev/test-null && echo written"
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        container.spec.linux?.devices = [
            Spec.Device(type: "p", path: "/dev/test-fifo", fileMode: 0o600),
            Spec.Device(type: "u", path: "/dev/test-null", major: 1, minor: 3, fileMode: 0o666),
        ]

        let result = try container.run()

        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "fifo\ncharacter special file 1:3\nwritten\n")
    }

    /// A listed device is made, but the device rules alone decide whether it opens; an
    /// access string with letters besides r, w and m ("rwa") still grants r and w.
    @Test(arguments: [false, true])
    func aListedDeviceOpensOnlyWhenARuleAllowsIt(allowed: Bool) throws {
        let script = ": > /dev/kmsg && echo opened"
        let container = try TestContainer(args: ["sh", "-c", script])
        defer { container.cleanUp() }
        container.spec.linux?.devices = [
            Spec.Device(type: "c", path: "/dev/kmsg", major: 1, minor: 11, fileMode: 0o600),
        ]
        var rules = [Spec.DeviceRule(allow: false, access: "rwm")]
        if allowed {
            rules.append(Spec.DeviceRule(allow: true, type: "c", major: 1, minor: 11,
                                         access: "rwa"))
        }
        container.spec.linux?.resources?.devices = rules

        let result = try container.run()

        if allowed {
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output == "opened\n")
        } else {
            #expect(result.status != 0)
            #expect(result.error.contains("Operation not permitted"), "\(result.error)")
        }
    }
}
