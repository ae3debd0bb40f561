import Foundation
import LectorTestSupport
import Testing

/// `systemd-analyze verify` on every unit of `deploy/systemd`, with the drop-ins the units get.
@Suite("systemd units")
struct SystemdTests {
    static func units() throws -> [String] {
        try DeployFiles.files(under: "systemd", where: { $0.hasSuffix(".service") || $0.hasSuffix(".timer") || $0.hasSuffix(".target") })
            .map { String($0.dropFirst("systemd/".count)) }
    }

    @Test func theUnitsAreThere() throws {
        let units = try Self.units()
        for expected in ["lector-worker@.service", "lector-scheduler.service", "lector-api.service", "lector-migrate.service"] {
            #expect(units.contains(expected))
        }
        #expect(units.contains { $0.hasSuffix(".timer") }, "no timer for sites that run batches from systemd")
    }

    /// verify needs the ExecStart binary to exist: the units are copied with the built `lector` in
    /// place of /usr/local/bin/lector. Any output is a finding (an unknown key is only a warning).
    @Test(arguments: try units())
    func verifyPasses(_ unit: String) async throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("lector-units-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: DeployFiles.deploy.appendingPathComponent("systemd"), to: copy)
        for name in try FileManager.default.contentsOfDirectory(atPath: copy.path) where name.hasSuffix(".service") {
            let url = copy.appendingPathComponent(name)
            let text = try String(contentsOf: url, encoding: .utf8)
            try text.replacingOccurrences(of: "/usr/local/bin/lector", with: RepoPaths.lectorBinary.path)
                .write(to: url, atomically: true, encoding: .utf8)
        }
        // A template is verified through an instance of it.
        let target = unit.hasSuffix("@.service") ? unit.replacingOccurrences(of: "@.service", with: "@9101.service") : unit
        let result = try await ChildProcess.run("/usr/bin/systemd-analyze", ["verify", copy.appendingPathComponent(target).path])
        #expect(result.status == 0, "\(unit): \(result.standardError)")
        #expect(result.standardError.isEmpty && result.standardOutput.isEmpty, "\(unit): \(result.standardError)\(result.standardOutput)")
    }

    @Test func servicesAreHardened() throws {
        let hardening = try DeployFiles.text("systemd/lector-.service.d/10-hardening.conf")
        for directive in [
            "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "RestrictAddressFamilies=", "User=lector",
        ] {
            #expect(hardening.contains(directive), "the lector-* drop-in lacks \(directive)")
        }
        for unit in try Self.units() where unit.hasSuffix(".service") {
            #expect(unit.hasPrefix("lector-"), "\(unit) does not get the lector-* hardening drop-in")
            let text = try DeployFiles.text("systemd/" + unit)
            if !text.contains("Type=oneshot") {
                #expect(text.contains("Restart="), "\(unit) has no restart policy")
            }
        }
    }
}
