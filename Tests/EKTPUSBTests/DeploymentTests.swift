import EKTPDomain
import Foundation
import Testing

@testable import EKTPDrivers

/// A strict reader of udev rules lines: `KEY[{attr}]OP"value"`, comma-separated.
struct UdevRule: Equatable {
    struct Token: Equatable {
        var key: String
        var attribute: String?
        var op: String
        var value: String
    }
    var tokens: [Token]

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    static let matchKeys: Set<String> = [
        "ACTION", "DEVPATH", "KERNEL", "NAME", "SYMLINK", "SUBSYSTEM", "DRIVER", "ATTR", "SYSCTL", "KERNELS", "SUBSYSTEMS", "DRIVERS", "ATTRS", "TAGS", "ENV",
        "CONST", "TAG", "TEST", "PROGRAM", "RESULT",
    ]
    static let assignKeys: Set<String> = [
        "NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL", "ENV", "TAG", "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS",
    ]

    static func parse(line: String, number: Int) throws -> UdevRule {
        var tokens: [Token] = []
        var rest = Substring(line.trimmingCharacters(in: .whitespaces))
        while !rest.isEmpty {
            guard let keyEnd = rest.firstIndex(where: { !($0.isUppercase || $0 == "_") }) else {
                throw Invalid(description: "line \(number): key without operator")
            }
            let key = String(rest[..<keyEnd])
            rest = rest[keyEnd...]
            var attribute: String?
            if rest.first == "{" {
                guard let close = rest.firstIndex(of: "}") else { throw Invalid(description: "line \(number): unclosed {") }
                attribute = String(rest[rest.index(after: rest.startIndex)..<close])
                rest = rest[rest.index(after: close)...]
            }
            let op = ["==", "!=", "+=", "-=", ":=", "="].first { rest.hasPrefix($0) }
            guard let op else { throw Invalid(description: "line \(number): \(key) has no operator") }
            rest = rest.dropFirst(op.count)
            guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else {
                throw Invalid(description: "line \(number): \(key) value is not quoted")
            }
            let value = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            let isMatch = op == "==" || op == "!="
            guard isMatch ? matchKeys.contains(key) : assignKeys.contains(key) else {
                throw Invalid(description: "line \(number): \(key)\(op) is not a udev key for that operator")
            }
            if ["ATTR", "ATTRS", "ENV", "TEST", "SYSCTL"].contains(key), attribute == nil { throw Invalid(description: "line \(number): \(key) needs {name}") }
            tokens.append(Token(key: key, attribute: attribute, op: op, value: value))
            rest = rest.drop(while: { $0 == " " })
            if rest.first == "," {
                rest = rest.dropFirst().drop(while: { $0 == " " })
            } else if !rest.isEmpty {
                throw Invalid(description: "line \(number): tokens must be separated by a comma")
            }
        }
        return UdevRule(tokens: tokens)
    }

    static func parse(file text: String) throws -> [UdevRule] {
        var rules: [UdevRule] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            rules.append(try parse(line: line, number: i + 1))
        }
        return rules
    }
}

@Suite struct UdevRulesTests {
    static let path = TestMaterial.repositoryRoot + "/udev/60-ektp-card-printers.rules"

    @Test func rulesParseAndJumpsLand() throws {
        let rules = try UdevRule.parse(file: try String(contentsOfFile: Self.path, encoding: .utf8))
        let labels = Set(rules.flatMap(\.tokens).filter { $0.key == "LABEL" }.map(\.value))
        let gotos = Set(rules.flatMap(\.tokens).filter { $0.key == "GOTO" }.map(\.value))
        #expect(!rules.isEmpty)
        #expect(gotos.isSubset(of: labels))
    }

    /// Exactly the vendors of the profiles get a rule: those ektpd drives itself (evolis,
    /// magicard) start it when plugged; those reached through CUPS only get access; no
    /// rule names a vendor no profile has.
    @Test func exactlyTheProfilesVendorsGetARule() throws {
        let rules = try UdevRule.parse(file: try String(contentsOfFile: Self.path, encoding: .utf8))
        let catalog = try TestMaterial.repositoryCatalog()
        var direct: Set<String> = []
        var all: Set<String> = []
        for profile in catalog.profiles.values {
            guard let usb = profile.usb else { continue }
            let vendor = String(format: "%04x", usb.vendor_id)
            all.insert(vendor)
            if profile.protocol.isDirectUSB { direct.insert(vendor) }
        }
        #expect(all == ["0f49", "0c1f", "09b0"])
        let named = Set(rules.flatMap { $0.tokens.filter { $0.key == "ATTR" && $0.attribute == "idVendor" }.map(\.value) })
        #expect(named == all)
        for vendor in all.sorted() {
            let rule = rules.first { $0.tokens.contains(.init(key: "ATTR", attribute: "idVendor", op: "==", value: vendor)) }
            #expect(rule != nil, "no rule for USB vendor \(vendor)")
            guard let rule else { continue }
            #expect(rule.tokens.contains(.init(key: "GROUP", attribute: nil, op: "=", value: "lp")))
            #expect(rule.tokens.contains(.init(key: "MODE", attribute: nil, op: "=", value: "0660")))
            let starts = rule.tokens.contains { $0.key == "ENV" && $0.attribute == "SYSTEMD_WANTS" && $0.value == "ektpd.service" }
            #expect(starts == direct.contains(vendor), "vendor \(vendor)")
        }
    }

    @Test func strictParserRefusesBrokenLines() {
        #expect(throws: UdevRule.Invalid.self) { try UdevRule.parse(line: #"ATTR{idVendor}=="0f49" GROUP="lp""#, number: 1) }
        #expect(throws: UdevRule.Invalid.self) { try UdevRule.parse(line: #"ATTR{idVendor}==0f49"#, number: 1) }
        #expect(throws: UdevRule.Invalid.self) { try UdevRule.parse(line: #"GROUP=="lp""#, number: 1) }
        #expect(throws: UdevRule.Invalid.self) { try UdevRule.parse(line: #"ATTR=="x""#, number: 1) }
    }

    /// `udevadm verify` (systemd ≥ 253) when this machine has it.
    @Test func udevadmVerifiesWhenAvailable() throws {
        guard let udevadm = ["/usr/bin/udevadm", "/bin/udevadm"].first(where: FileManager.default.isExecutableFile(atPath:)),
            (try? runTool(udevadm, ["verify", "--help"]))?.status == 0
        else { return }
        let result = try runTool(udevadm, ["verify", Self.path])
        #expect(result.status == 0, "\(result.output)")
    }
}

@Suite struct SystemdUnitTests {
    static let path = TestMaterial.repositoryRoot + "/systemd/ektpd.service"

    @Test func hasTheHardeningKeys() throws {
        var sections: [String: [String: [String]]] = [:]
        var section = ""
        for raw in try String(contentsOfFile: Self.path, encoding: .utf8).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                #expect(line.hasSuffix("]"))
                section = String(line.dropFirst().dropLast())
                continue
            }
            let kv = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            #expect(kv.count == 2 && !section.isEmpty, "bad line: \(line)")
            if kv.count == 2 { sections[section, default: [:]][kv[0], default: []].append(kv[1]) }
        }
        let service = sections["Service"] ?? [:]
        #expect(service["User"] == ["ektp"])
        #expect(service["SupplementaryGroups"] == ["lp"])
        #expect(service["ProtectSystem"] == ["strict"])
        #expect(service["StateDirectory"] == ["ektp"])
        #expect(service["RuntimeDirectory"] == ["ektp"])
        #expect(service["Restart"] == ["on-failure"])
        #expect(service["NoNewPrivileges"] == ["yes"])
        #expect(service["Type"] == ["notify"], "readiness only once the local API answers")
        #expect(service["ExecStart"]?.first?.hasPrefix("/usr/sbin/ektpd") == true)
        #expect(sections["Unit"]?["StartLimitBurst"] == ["5"], "a configuration error does not restart forever")
        #expect(sections["Install"]?["WantedBy"] == ["multi-user.target"])
    }

    /// `systemd-analyze verify` when present; ExecStart points at /bin/true in a copy,
    /// since ektpd is not installed on a build machine (the install test verifies the
    /// installed unit itself, scripts/install-test.sh).
    @Test func systemdAnalyzeVerifies() throws {
        let tool = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: tool) else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOfFile: Self.path, encoding: .utf8).replacingOccurrences(of: "ExecStart=/usr/sbin/ektpd", with: "ExecStart=/bin/true")
        let copy = dir.appendingPathComponent("ektpd.service")
        try text.write(to: copy, atomically: true, encoding: .utf8)
        let result = try runTool(tool, ["verify", "--man=no", copy.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("ektpd.service:"), "\(result.output)")
    }
}

/// Runs a tool and returns its exit status and combined output.
func runTool(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    if let environment { p.environment = environment }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
