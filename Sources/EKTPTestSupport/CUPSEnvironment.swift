import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private CUPS world for one test: a D-Bus system bus and avahi-daemon (ippeveprinter
/// will not start without DNS-SD), an `ippeveprinter` as the card printer, and a cupsd on
/// a loopback port with a queue `card1` pointing at it. Everything lives in a temp
/// directory; every process is started here and stopped by its pid in `stop()`.
///
/// The printer "prints" by running `printer-command.sh`, whose behaviour the test sets
/// with files in the directory: `cmd-sleep` (seconds per card), `cmd-stderr` (lines
/// written to stderr: `STATE: +media-jam-error`, `ATTR: marker-levels=0`), `cmd-exit`
/// (exit status). Each card the command starts is a line in `started.log`; each it
/// finishes, a line in `finished.log`.
public final class CUPSEnvironment: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let dir: URL
    public let cupsPort: Int
    public let printerPort: Int
    public let queue = "card1"
    private var pids: [String: pid_t] = [:]
    private var order: [String] = []

    public var server: String { "127.0.0.1:\(cupsPort)" }
    public var printerURL: String { "http://127.0.0.1:\(printerPort)" }
    public func uri(_ extra: String = "") -> String { "cups://\(queue)?server=\(server)\(extra)" }

    /// Starts the whole environment, and stops whatever started if a step fails.
    public static func start() throws -> CUPSEnvironment {
        let env = try CUPSEnvironment()
        do {
            try env.startBus()
            try env.startPrinter()
            try env.startCUPS()
            try env.addQueue()
        } catch {
            env.stop()
            throw error
        }
        return env
    }

    /// Runs `body` with a started environment and stops it afterwards, also when `body` throws.
    public static func with<T>(_ body: (CUPSEnvironment) async throws -> T) async throws -> T {
        let env = try start()
        defer { env.stop() }
        return try await body(env)
    }

    private init() throws {
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ektp-cups-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // cupsd runs filters as lp: the tree must be reachable.
        chmod(dir.path, 0o755)
        // Both at once: a port picked and let go can be handed out again by the next pick,
        // and then cupsd and the printer would race for one port.
        let ports = try LoopbackPort.free(2)
        cupsPort = ports[0]
        printerPort = ports[1]
    }

    public func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    public func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    /// A script another program will execute (ippeveprinter's command, cupsd's filter),
    /// written by `install(1)`, never by this process: a descriptor open for writing on it
    /// here would be inherited by whatever process another test spawns at that moment, and
    /// while any process holds one, executing the script fails with ETXTBSY ("Text file
    /// busy": cupsd's log showed the filter not run, the job ended, on a busy test run).
    func writeExecutable(_ name: String, _ text: String) throws {
        let source = name.replacingOccurrences(of: "/", with: "-") + ".source"
        try write(source, text)
        let install = try OneShot.run(URL(fileURLWithPath: "/usr/bin/install"), ["-m", "0755", path(source), path(name)])
        guard install.status == 0 else { throw Failure(description: "install \(name): \(install.stderr)") }
    }

    public func read(_ name: String) -> String { (try? String(contentsOfFile: path(name), encoding: .utf8)) ?? "" }

    public func lines(_ name: String) -> [String] { read(name).split(separator: "\n").map(String.init) }

    /// The ends of cupsd's error_log and of the printer's log, for a failed expectation's
    /// message: what cupsd and the printer did with a job that ended other than expected.
    public func cupsLogTail(_ bytes: Int = 4000) -> String {
        ["log/error_log", "printer.log"].map { name in
            let data = FileManager.default.contents(atPath: path(name)) ?? Data()
            return "\(name):\n" + String(decoding: data.suffix(bytes), as: UTF8.self)
        }.joined(separator: "\n")
    }

    // MARK: D-Bus and avahi

    private func startBus() throws {
        // A copy of the system bus config listening on our own socket, without its user,
        // pidfile or fd limit; root may own any name (avahi runs as root here).
        var config = try String(contentsOfFile: "/usr/share/dbus-1/system.conf", encoding: .utf8)
        config = config.replacingOccurrences(
            of: #"<listen>[^<]*</listen>"#, with: "<listen>unix:path=\(path("dbus.sock"))</listen>", options: .regularExpression)
        config = config.replacingOccurrences(of: #"<user>[^<]*</user>"#, with: "", options: .regularExpression)
        config = config.replacingOccurrences(of: #"<pidfile>[^<]*</pidfile>"#, with: "", options: .regularExpression)
        config = config.replacingOccurrences(
            of: "</busconfig>",
            with:
                #"<policy user="root"><allow own="*"/></policy><policy context="default"><allow send_destination="*" eavesdrop="false"/></policy></busconfig>"#)
        try write("dbus.conf", config)
        try launch("dbus", "/usr/bin/dbus-daemon", ["--config-file=\(path("dbus.conf"))", "--nofork", "--nopidfile"])
        try wait("the D-Bus socket", process: "dbus") { FileManager.default.fileExists(atPath: self.path("dbus.sock")) }

        try write(
            "avahi.conf",
            """
            [server]
            use-ipv4=yes
            use-ipv6=no
            allow-interfaces=lo
            enable-dbus=yes
            [wide-area]
            enable-wide-area=no
            [publish]
            disable-publishing=yes

            """)
        // avahi-daemon's pid file is fixed at /run/avahi-daemon/pid: to let two test runs
        // (or a system avahi) coexist, it gets a private /run/avahi-daemon in its own
        // mount namespace. `exec` keeps the pid we signal the daemon's own.
        try launch(
            "avahi", "/usr/bin/unshare",
            [
                "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon && exec /usr/sbin/avahi-daemon --no-drop-root --no-chroot --no-rlimits -f '\(path("avahi.conf"))'",
            ])
        try wait("avahi-daemon", process: "avahi") { self.read("avahi.log").contains("Server startup complete") }
    }

    public var busEnvironment: [String: String] {
        var e = ProcessInfo.processInfo.environment
        e["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=\(path("dbus.sock"))"
        return e
    }

    // MARK: ippeveprinter

    public func startPrinter() throws {
        if !FileManager.default.fileExists(atPath: path("printer-command.sh")) {
            try writeExecutable(
                "printer-command.sh",
                """
                #!/bin/sh
                D="\(dir.path)"
                echo "$1" >> "$D/started.log"
                [ -f "$D/cmd-stderr" ] && cat "$D/cmd-stderr" >&2
                sleep "$(cat "$D/cmd-sleep" 2>/dev/null || echo 0)"
                echo "$1" >> "$D/finished.log"
                exit "$(cat "$D/cmd-exit" 2>/dev/null || echo 0)"

                """)
            try FileManager.default.createDirectory(atPath: path("spool"), withIntermediateDirectories: true)
        }
        try launch(
            "printer", "/usr/sbin/ippeveprinter",
            [
                "-r", "off", "-p", String(printerPort), "-k", "-d", path("spool"),
                "-f", "image/png,image/jpeg,image/pwg-raster,application/pdf",
                "-c", path("printer-command.sh"), "KartuUji",
            ])
        try wait("ippeveprinter on port \(printerPort)", process: "printer") { Self.accepts(self.printerPort) }
    }

    /// Kills the printer outright (SIGKILL), as if its power went.
    public func killPrinter() { stopProcess("printer", signal: SIGKILL) }

    /// Sets ippeveprinter's main tray level through its web form (0 → `media-empty`).
    public func setMediaLevel(_ level: Int) throws {
        try httpGet("/media?size1=na_letter_8.5x11in&type1=stationery&level1=\(level)&size3=na_number-10_4.125x9.5in&type3=envelope&level3=-2")
    }

    /// Sets ippeveprinter's supply levels through its web form (0 → `toner-empty`).
    public func setSupplies(_ level: Int) throws {
        try httpGet("/supplies?supply0=\(max(0, 100 - level))&supply1=\(level)")
    }

    private func httpGet(_ path: String) throws {
        let result = try run("/usr/bin/curl", ["-sf", "-o", "/dev/null", printerURL + path])
        guard result.status == 0 else { throw Failure(description: "GET \(path) failed: \(result.output)") }
    }

    // MARK: cupsd

    public func startCUPS() throws {
        if !FileManager.default.fileExists(atPath: path("cupsd.conf")) {
            for d in ["root", "root/ppd", "root/ssl", "req", "tmp", "cache", "state", "log"] {
                try FileManager.default.createDirectory(atPath: path(d), withIntermediateDirectories: true)
            }
            chmod(path("tmp"), 0o1777)
            try write(
                "cups-files.conf",
                """
                ServerRoot \(path("root"))
                RequestRoot \(path("req"))
                TempDir \(path("tmp"))
                CacheDir \(path("cache"))
                StateDir \(path("state"))
                AccessLog \(path("log/access_log"))
                ErrorLog \(path("log/error_log"))
                PageLog \(path("log/page_log"))
                User lp
                Group lp
                SystemGroup root
                ServerBin \(path("bin"))
                DataDir /usr/share/cups
                FileDevice No

                """)
            try write(
                "cupsd.conf",
                """
                Listen 127.0.0.1:\(cupsPort)
                Browsing No
                WebInterface No
                IdleExitTimeout 0
                LogLevel \(ProcessInfo.processInfo.environment["EKTP_CUPS_LOG_LEVEL"] ?? "info")
                DefaultAuthType None
                <Location />
                  Order allow,deny
                  Allow all
                </Location>
                <Policy default>
                  <Limit All>
                    Order deny,allow
                    Allow all
                  </Limit>
                </Policy>

                """)
        }
        try makeServerBin()
        try launch("cupsd", "/usr/sbin/cupsd", ["-f", "-c", path("cupsd.conf"), "-s", path("cups-files.conf")])
        try wait("cupsd on port \(cupsPort)", process: "cupsd") { Self.accepts(self.cupsPort) }
    }

    /// cupsd's programs: the system's (links to /usr/lib/cups), plus `ektp-hid-like`, a
    /// filter standing where HID's `rastertofargo…` stands. Like HID's filter it gets the
    /// job's options (argv 5) — it writes them to `hid-options.log` — and reports the
    /// printer's state as HID's PPDs declare it: the lines of `hid-state` on stderr
    /// (`STATE: +IDS_ERROR_RIBBON_OUT`, `INFO: Ribbon Out`); it exits with `hid-exit`. It
    /// passes the PDF on to the printer.
    private func makeServerBin() throws {
        let bin = path("bin")
        guard !FileManager.default.fileExists(atPath: bin) else { return }
        try FileManager.default.createDirectory(atPath: bin + "/filter", withIntermediateDirectories: true)
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/cups") where entry != "filter" {
            try FileManager.default.createSymbolicLink(atPath: bin + "/" + entry, withDestinationPath: "/usr/lib/cups/" + entry)
        }
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/cups/filter") {
            try FileManager.default.createSymbolicLink(atPath: bin + "/filter/" + entry, withDestinationPath: "/usr/lib/cups/filter/" + entry)
        }
        try writeExecutable(
            "bin/filter/ektp-hid-like",
            """
            #!/bin/sh
            D="\(dir.path)"
            printf '%s\\n' "$5" >> "$D/hid-options.log"
            [ -f "$D/hid-state" ] && cat "$D/hid-state" >&2
            if [ -n "$6" ]; then cat "$6"; else cat; fi
            exit "$(cat "$D/hid-exit" 2>/dev/null || echo 0)"

            """)
        // Filters run as lp: the log is there for it to append to.
        try write("hid-options.log", "")
        chmod(path("hid-options.log"), 0o666)
    }

    /// A queue like one set up with HID's Linux driver for an HDP5000 (docs/cups.md): a PPD
    /// whose `Ribbon` option and `IDS_ERROR_…` state keywords are named as in HID's PPDs, its
    /// filter `ektp-hid-like`, the printer behind it. The PPD is written here, for the test.
    public func addHIDQueue(_ name: String, ribbonChoices: [String] = ["YMCKO", "YMCKK", "KPremium", "PremiumResin"]) throws {
        let choices = ribbonChoices.map { "*Ribbon \($0)/\($0): \"\"" }.joined(separator: "\n")
        try write(
            "\(name).ppd",
            """
            *PPD-Adobe: "4.3"
            *FormatVersion: "4.3"
            *FileVersion: "1.0"
            *LanguageVersion: English
            *LanguageEncoding: ISOLatin1
            *PCFileName: "EKTPHID.PPD"
            *Manufacturer: "HID"
            *Product: "(Card Printer)"
            *ModelName: "HDP5000 ektp test"
            *ShortNickName: "HDP5000 ektp test"
            *NickName: "HDP5000 ektp test"
            *PSVersion: "(3010.000) 0"
            *LanguageLevel: "3"
            *ColorDevice: True
            *DefaultColorSpace: RGB
            *FileSystem: False
            *Throughput: "1"
            *TTRasterizer: Type42
            *cupsVersion: 2.4
            *cupsFilter2: "application/pdf application/pdf 0 ektp-hid-like"
            *OpenUI *PageSize/Card Size: PickOne
            *DefaultPageSize: CR80
            *PageSize CR80/CR80: "<</PageSize[152 242]/ImagingBBox null>>setpagedevice"
            *CloseUI: *PageSize
            *OpenUI *PageRegion: PickOne
            *DefaultPageRegion: CR80
            *PageRegion CR80/CR80: "<</PageSize[152 242]/ImagingBBox null>>setpagedevice"
            *CloseUI: *PageRegion
            *DefaultImageableArea: CR80
            *ImageableArea CR80/CR80: "0 0 152 242"
            *DefaultPaperDimension: CR80
            *PaperDimension CR80/CR80: "152 242"
            *OpenUI *Ribbon/Ribbon Type: PickOne
            *DefaultRibbon: YMCKO
            \(choices)
            *CloseUI: *Ribbon
            *cupsIPPReason IDS_ERROR_RIBBON_OUT/Ribbon Out: ""
            *cupsIPPReason IDS_ERROR_CARD_JAM/Card Jam: ""
            *cupsIPPReason IDS_ERROR_COVER/Cover Open: ""
            *cupsIPPReason IDS_ERROR_HOPPER_EMPTY/Card Hopper Empty: ""

            """)
        try admin("/usr/sbin/lpadmin", ["-p", name, "-E", "-v", "ipp://127.0.0.1:\(printerPort)/ipp/print", "-P", path("\(name).ppd")])
        try wait("queue \(name)", seconds: 30, process: "cupsd") {
            let result = try? self.run("/usr/bin/lpstat", ["-h", self.server, "-p", name])
            return result.map { $0.status == 0 && $0.output.contains("idle") } ?? false
        }
    }

    /// Stops cupsd (SIGTERM, as `systemctl stop cups` does) and waits until it is gone.
    public func stopCUPS() { stopProcess("cupsd", signal: SIGTERM) }

    /// Adds the queue and waits until cupsd has finished it. `lpadmin -m everywhere` returns
    /// before the queue is done: cupsd asks the printer for its attributes and writes the
    /// IPP Everywhere PPD in a background thread, and when that thread ends it sets the
    /// queue idle and accepting (scheduler/ipp.c, `create_local_bg_thread`). Until then a
    /// job cannot be converted ("Unable to convert file 0 to printable format": aborted),
    /// and a `cupsreject` or `cupsdisable` sent meanwhile is undone. The queue's
    /// `printer-make-and-model` comes from the PPD, set after that state change: it is the
    /// sign the queue is ready.
    private func addQueue() throws {
        try admin("/usr/sbin/lpadmin", ["-p", queue, "-E", "-v", "ipp://127.0.0.1:\(printerPort)/ipp/print", "-m", "everywhere"])
        try wait("the queue's IPP Everywhere PPD", seconds: 60, process: "cupsd") {
            let model = (try? self.queueOption("printer-make-and-model")) ?? nil
            return model.map { !$0.isEmpty && $0 != "Local Raw Printer" } ?? false
        }
    }

    /// One attribute of the queue as `lpoptions` prints it (`name=value` or `name='value'`).
    public func queueOption(_ name: String) throws -> String? {
        let result = try run("/usr/bin/lpoptions", ["-h", server, "-p", queue])
        guard result.status == 0 else { return nil }
        // Values with spaces are quoted: split on the spaces outside quotes.
        var fields: [String] = []
        var field = ""
        var quoted = false
        for c in result.output {
            if c == "'" {
                quoted.toggle()
            } else if c == " " || c == "\n", !quoted {
                if !field.isEmpty { fields.append(field) }
                field = ""
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty { fields.append(field) }
        return fields.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    /// Runs a CUPS command-line tool against our cupsd (`-h` server).
    public func admin(_ tool: String, _ args: [String]) throws {
        let result = try run(tool, ["-h", server] + args)
        guard result.status == 0 else { throw Failure(description: "\(tool) \(args.joined(separator: " ")): \(result.output)") }
    }

    public func disableQueue() throws { try admin("/usr/sbin/cupsdisable", [queue]) }
    public func enableQueue() throws { try admin("/usr/sbin/cupsenable", [queue]) }
    public func rejectJobs() throws { try admin("/usr/sbin/cupsreject", [queue]) }
    public func acceptJobs() throws { try admin("/usr/sbin/cupsaccept", [queue]) }

    /// Jobs cupsd holds that are not finished.
    public func activeJobs() throws -> [String] {
        let result = try run("/usr/bin/lpstat", ["-h", server, "-o", queue])
        return result.output.split(separator: "\n").map(String.init)
    }

    // MARK: Processes

    /// Starts a daemon with posix_spawn, its output appended to `NAME.log`. Daemons are
    /// ours to reap (waitpid), not Foundation's: a bounded wait must be able to tell
    /// a dead process from a live one.
    private func launch(_ name: String, _ executable: String, _ args: [String]) throws {
        let pid = try spawn(executable, args, output: path("\(name).log"), append: true)
        pids[name] = pid
        if !order.contains(name) { order.append(name) }
    }

    /// Whether a daemon we started still runs (reaps it if it ended).
    public func isRunning(_ name: String) -> Bool {
        guard let pid = pids[name] else { return false }
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// Signals one daemon by its pid and waits (bounded) for it to exit, then SIGKILL.
    public func stopProcess(_ name: String, signal: Int32) {
        guard let pid = pids[name] else { return }
        defer { pids[name] = nil }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == 0 else { return }
        kill(pid, signal)
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) != 0 { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    /// Stops every process this environment started, newest first, and removes the
    /// directory unless `EKTP_KEEP_SCRATCH` is set (`Scratch.keep`).
    public func stop() {
        for name in order.reversed() { stopProcess(name, signal: SIGTERM) }
        Scratch.remove(dir)
    }

    /// Runs a short command to its end (posix_spawn and waitpid, output through a file).
    @discardableResult
    public func run(_ executable: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let out = path("run-\(UUID().uuidString.prefix(8)).out")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let pid = try spawn(executable, args, output: out, append: false)
        return (ChildProcess.wait(pid), read(URL(fileURLWithPath: out).lastPathComponent))
    }

    /// Starts `executable` with the private bus environment; its pid.
    private func spawn(_ executable: String, _ args: [String], output: String, append: Bool) throws -> pid_t {
        do {
            return try ChildProcess.spawn(
                executable, args, environment: busEnvironment.map { "\($0.key)=\($0.value)" }, output: output, append: append)
        } catch {
            throw Failure(description: error.description)
        }
    }

    // MARK: Waiting

    /// Polls `ready` every 50 ms for up to `seconds`.
    public func wait(_ what: String, seconds: Double = 20, process: String? = nil, _ ready: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !ready() {
            if let process, !isRunning(process) {
                throw Failure(description: "\(what) exited: \(read("\(process).log").suffix(600))")
            }
            if Date() > deadline { throw Failure(description: "\(what) not ready after \(seconds) s; logs in \(dir.path)") }
            usleep(50_000)
        }
    }

    public static func accepts(_ port: Int) -> Bool {
        guard let fd = LoopbackPort.connect(port) else { return false }
        Glibc.close(fd)
        return true
    }
}

/// A card-size (85.6 × 53.98 mm) one-page PDF, built by hand.
public enum CardPDF {
    public static func make(label: String = "KTP-el uji") -> Data {
        let stream = "0.2 0.4 0.8 rg 12 12 120 60 re f BT /F1 10 Tf 14 90 Td (\(label)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 242.65 153.01] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (i, o) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(i + 1) 0 obj\n\(o)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for o in offsets { out += String(format: "%010d 00000 n \n", o) }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(out.utf8)
    }
}
