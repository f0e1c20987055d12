import EKTPDomain
import EKTPWire
import Foundation
import Testing

@testable import EKTPClient

@Suite("StationClient over a real Unix socket")
struct StationClientTests {
    @Test func readsStatusFromTheDaemon() async throws {
        let body = """
            {"kecamatanCode":"32.16.01","kecamatanName":"Tarumajaya","jobs":{"queued":3,"printed":10},
             "held":null,"devices":[],"blangkoOnHand":120,"outboxBacklog":0,"alerts":[]}
            """
        let server = try UnixSocketServer(answers: [(200, body)])
        let status = try await StationClient.withClient(socketPath: server.path) { try await $0.status() }
        #expect(status.kecamatanCode == "32.16.01")
        #expect(status.jobs[.queued] == 3)
        #expect(status.blangkoOnHand == 120)
        #expect(server.requests.first?.requestLine == "GET /v1/status HTTP/1.1")
    }

    @Test func sendsATypedStockOperationAsJSON() async throws {
        let server = try UnixSocketServer(answers: [(200, #"{"entry":7,"message":"2 blangko rusak dicatat"}"#)])
        let operation = StockOperation.spoil(place: .hopper(try DeviceID("sim-SIM0001")), quantity: 2, cause: .rusak)
        let changed = try await StationClient.withClient(socketPath: server.path) { try await $0.stock(operation) }
        #expect(changed.entry == 7)
        #expect(changed.pendingCount == nil)
        let sent = try #require(server.requests.first)
        #expect(sent.requestLine == "POST /v1/stock HTTP/1.1")
        #expect(sent.headers["content-type"] == "application/json")
        let decoded = try WireCoding.decoder().decode(StockRequest.self, from: sent.body)
        #expect(decoded.operation == operation)
        #expect(!String(decoding: sent.body, as: UTF8.self).contains("\"by\""), "the socket names the person, not the body")
        // The place travels as its key, the form the ledger and the hub use.
        #expect(String(decoding: sent.body, as: UTF8.self).contains(#""place":"hopper:sim-SIM0001""#))
    }

    @Test func passesTheJobFileThroughUnchanged() async throws {
        let server = try UnixSocketServer(answers: [(200, #"{"stored":["J-1"],"duplicates":[],"warnings":[]}"#)])
        // Odd spacing and key order: the signature covers the file, the client must not re-encode it.
        let file = Data(#"{ "signature": {"value":"x"},  "job": {"id":"J-1"}, "format":"ektp-job/1" }"#.utf8)
        let result = try await StationClient.withClient(socketPath: server.path) { try await $0.importJobs(file) }
        #expect(result.stored.map(\.rawValue) == ["J-1"])
        #expect(server.requests.first?.body == file)
        #expect(server.requests.first?.requestLine == "POST /v1/jobs/import HTTP/1.1")
    }

    @Test func queryCarriesStateAndLimit() async throws {
        let server = try UnixSocketServer(answers: [(200, "[]")])
        let jobs = try await StationClient.withClient(socketPath: server.path) { try await $0.jobs(state: .outcomeUnknown, limit: 5) }
        #expect(jobs.isEmpty)
        #expect(server.requests.first?.requestLine == "GET /v1/jobs?state=outcome-unknown&limit=5 HTTP/1.1")
    }

    @Test func refusalCarriesTheDaemonsMessageAndDetails() async throws {
        let body = #"{"code":"signature-invalid","message":"2 job ditolak","details":["J-1: tanda tangan tidak sah","J-2: kecamatan lain"]}"#
        let server = try UnixSocketServer(answers: [(422, body)])
        let error = await #expect(throws: StationClientError.self) {
            try await StationClient.withClient(socketPath: server.path) { try await $0.importJobs(Data("{}".utf8)) }
        }
        #expect(error?.category == .refused)
        #expect(error?.exitCode == 1)
        #expect(error?.httpStatus == 422)
        #expect(error?.apiError?.code == "signature-invalid")
        #expect(error?.description == "2 job ditolak\n  - J-1: tanda tangan tidak sah\n  - J-2: kecamatan lain")
    }

    @Test func daemonFailureIsExitFour() async throws {
        let server = try UnixSocketServer(answers: [(500, "internal error")])
        let error = await #expect(throws: StationClientError.self) {
            try await StationClient.withClient(socketPath: server.path) { try await $0.verifyAudit() }
        }
        #expect(error?.category == .daemonFailed)
        #expect(error?.exitCode == 4)
        #expect(error?.description.contains("internal error") == true)
    }

    @Test func answerOutsideTheContractIsADaemonFailure() async throws {
        let server = try UnixSocketServer(answers: [(200, #"{"entries":"many"}"#)])
        let error = await #expect(throws: StationClientError.self) {
            try await StationClient.withClient(socketPath: server.path) { try await $0.verifyAudit() }
        }
        #expect(error?.category == .daemonFailed)
        #expect(error?.exitCode == 4)
    }

    @Test func missingSocketSaysTheDaemonIsNotRunning() async throws {
        let path = "/tmp/ektpc-absent-\(UUID().uuidString.prefix(8)).sock"
        let error = await #expect(throws: StationClientError.self) {
            try await StationClient.withClient(socketPath: path) { try await $0.status() }
        }
        #expect(error?.category == .unreachable)
        #expect(error?.exitCode == 3)
        #expect(error?.description == "daemon tidak dapat dihubungi di \(path) (apakah ektpd berjalan?): soket tidak ada")
    }
}
