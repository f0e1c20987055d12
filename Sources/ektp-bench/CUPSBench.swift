import EKTPDomain
import EKTPDrivers
import EKTPTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `ektp-bench cups`: time from "job ready" to "completed" through a CUPS queue: the station's driver path
/// (`CUPSPrinter.print`: state check, Create-Job, Send-Document, following the job)
/// against plain `lp` of the same PDF to the same queue, followed to its end with the same
/// Get-Job-Attributes at the same interval. Runs alternate between the two, so both see
/// the same printer and cupsd.
enum CUPSBench {
    struct Result: Sendable, CustomStringConvertible {
        var driverSeconds: [Double]
        var lpSeconds: [Double]
        var driverMedian: Double { Self.median(driverSeconds) }
        var lpMedian: Double { Self.median(lpSeconds) }
        /// Driver median over `lp` median; the aim is ≤ 1.2.
        var ratio: Double { lpMedian > 0 ? driverMedian / lpMedian : .infinity }

        static func median(_ v: [Double]) -> Double {
            guard !v.isEmpty else { return 0 }
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }

        var description: String {
            String(format: "CUPS %d kartu: driver median %.3f s, lp median %.3f s, rasio %.2f", driverSeconds.count, driverMedian, lpMedian, ratio)
        }
    }

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// In a private CUPS world (`CUPSEnvironment`: cupsd, ippeveprinter, D-Bus, avahi;
    /// root), `EKTP_CUPS_BENCH_CARDS` cards each way (default 20).
    static func run(_ args: [String]) async throws {
        let cards = Int(ProcessInfo.processInfo.environment["EKTP_CUPS_BENCH_CARDS"] ?? "") ?? 20
        let profiles = try ProfileCatalog.load(directory: ProfileCatalog.defaultDirectory())
        say("== CUPS: \(cards) kartu lewat driver dan lewat lp, antrean dan PDF yang sama ==")
        let result = try await CUPSEnvironment.with { env in
            try await run(server: env.server, queue: env.queue, cards: cards, pdf: CardPDF.make(), profiles: profiles)
        }
        say(result.description)
        say("driver: \(result.driverSeconds.map { String(format: "%.3f", $0) }), lp: \(result.lpSeconds.map { String(format: "%.3f", $0) })")
    }

    /// Prints `cards` cards each way on `queue` at `server` (`HOST:PORT`).
    /// - `pdf`: the card; `lp` gets the same bytes from a temp file.
    /// - `lpPath`: the `lp` binary.
    static func run(
        server: String, queue: String, cards: Int, pdf: Data, profiles: ProfileCatalog,
        pollMilliseconds: Int = 20, lpPath: String = "/usr/bin/lp"
    ) async throws -> Result {
        guard var url = URLComponents(string: "cups://\(queue)") else { throw Problem(description: "antrean tidak valid: \(queue)") }
        url.queryItems = [URLQueryItem(name: "server", value: server), URLQueryItem(name: "poll-ms", value: String(pollMilliseconds))]
        let printer = try await CUPSPrinter.open(url: url, profiles: profiles)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-bench-\(UUID().uuidString).pdf")
        try pdf.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        var result = Result(driverSeconds: [], lpSeconds: [])
        let clock = ContinuousClock()
        for i in 0..<cards {
            // Driver path.
            let job = try JobID("BENCH-\(i)")
            let t0 = clock.now
            let outcome = await printer.print(.pdf(pdf), job: job)
            let driver = clock.now - t0
            guard case .printed = outcome else { throw Problem(description: "kartu \(i) lewat driver tidak tercetak: \(outcome)") }
            result.driverSeconds.append(driver.seconds)

            // Plain lp, followed the same way.
            let t1 = clock.now
            let jobId = try submitWithLP(lpPath, server: server, queue: queue, media: printer.media, file: file.path)
            let state = try await waitForEnd(printer, jobId)
            let lp = clock.now - t1
            guard state == 9 else { throw Problem(description: "kartu \(i) lewat lp berakhir \(CUPSPrinter.stateName(state))") }
            result.lpSeconds.append(lp.seconds)
        }
        await printer.close()
        return result
    }

    /// Runs `lp` (posix_spawn, waitpid: no Foundation process machinery in the timing)
    /// and returns the CUPS job id it prints.
    static func submitWithLP(_ lp: String, server: String, queue: String, media: String?, file: String) throws -> Int32 {
        let out = file + ".out"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let words: [String] = ["-h", server, "-d", queue] + (media.map { ["-o", "media=\($0)"] } ?? []) + [file]
        let pid: pid_t
        do { pid = try ChildProcess.spawn(lp, words, output: out, append: false) } catch {
            throw Problem(description: "lp tidak bisa dijalankan: \(error.description)")
        }
        let status = ChildProcess.wait(pid)
        let output = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        // "request id is card1-12 (1 file(s))"
        guard status == 0, let word = output.split(separator: " ").first(where: { $0.hasPrefix(queue + "-") }),
            let id = Int32(word.dropFirst(queue.count + 1))
        else { throw Problem(description: "lp gagal: \(output)") }
        return id
    }

    static func waitForEnd(_ printer: CUPSPrinter, _ jobId: Int32) async throws -> Int {
        while true {
            let state = try await printer.jobAttributes(jobId).integer("job-state") ?? 3
            if state >= 7 { return state }
            try await Task.sleep(for: printer.pollInterval)
        }
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
