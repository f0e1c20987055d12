import EKTPDomain
import EKTPWire
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import EKTPHub

/// Checks the hub against `docs/hub-openapi.json`: every route the router serves is in
/// the document with its method (and nothing else is), and real answers match the schema
/// documented for their status (required fields, types, enums), checked by a small
/// validator below.
@Suite("OpenAPI document")
struct OpenAPITests {
    // Read once, never written.
    nonisolated(unsafe) static let document: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/hub-openapi.json")
        let data = try! Data(contentsOf: url)
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()
    static var paths: [String: [String: Any]] { document["paths"] as! [String: [String: Any]] }

    @Test("every route the router serves is documented with its method, and every documented one is served")
    func routesMatch() throws {
        let t = try TestHub()
        let served = Set(HubAPI.router(t.hub).routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let documented = Set(Self.paths.flatMap { path, ops in ops.keys.map { "\($0.uppercased()) \(path)" } })
        #expect(served.subtracting(documented).isEmpty, "served, not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented, not served: \(documented.subtracting(served).sorted())")
    }

    @Test("real answers match the documented schema for their route and status")
    func responsesMatch() async throws {
        let t = try TestHub()
        try await t.importJobs(try t.jobs(2))
        let checked = try await t.app.test(.router) { client in
            var checked = 0
            func check(_ method: HTTPRequest.Method, _ uri: String, template: String? = nil, headers: HTTPFields = [:], body: Data? = nil) async throws -> Reply
            {
                let reply = try await client.call(method, uri, headers: headers, body: body)
                let path = template ?? String(uri.split(separator: "?", maxSplits: 1)[0])
                let problems = Self.validate(
                    method: method.rawValue.lowercased(), path: path, status: reply.status.code, body: reply.body,
                    contentType: reply.headers[.contentType] ?? "")
                #expect(problems.isEmpty, "\(method) \(uri) → \(reply.status.code): \(problems)")
                checked += 1
                return reply
            }
            func json(_ v: some Encodable) throws -> Data { try WireCoding.encoder().encode(v) }
            let admin = Fixtures.admin
            _ = try await check(.get, "/health")
            _ = try await check(.post, "/v1/intake", headers: admin, body: try t.file(try t.jobs(3)))
            _ = try await check(.post, "/v1/intake", headers: admin, body: try t.file(try t.jobs(1)))
            _ = try await check(.post, "/v1/intake", body: Data("[]".utf8))
            let tokenReply = try await check(
                .post, "/v1/admin/enrollment-tokens", headers: admin, body: try json(EnrollmentTokenRequest(kecamatan: "32.16.01")))
            let token = try tokenReply.decode(EnrollmentTokenIssued.self)
            let enrolled = try await check(.post, "/v1/stations/enroll", body: try json(EnrollRequest(token: token.token, name: "PC 1")))
            let credential = try enrolled.decode(EnrollResult.self)
            let station = Fixtures.bearer(credential.credential)
            _ = try await check(.post, "/v1/stations/enroll", body: try json(EnrollRequest(token: token.token, name: "PC 1")))
            _ = try await check(.get, "/v1/station/jobs?wait=0&max=2", headers: station)
            _ = try await check(.get, "/v1/station/jobs?wait=0&kecamatan=32.16.05", headers: station)
            _ = try await check(.get, "/v1/station/jobs?wait=x", headers: station)
            _ = try await check(.post, "/v1/station/ack", headers: station, body: try json(AckRequest(jobs: [try JobID("PRR-000001")])))
            _ = try await check(.post, "/v1/station/ack", headers: station, body: try json(AckRequest(jobs: [try JobID("NOPE")])))
            let dev = try DeviceID("sim-A")
            let events = EventBatch(events: [
                SequencedEvent(seq: 1, event: .jobStored(job: try JobID("PRR-000001"), priority: .normal)),
                SequencedEvent(seq: 2, event: .ledger(kind: .received, from: .supplier, to: .store, quantity: 100, job: nil, cause: nil, note: nil)),
                SequencedEvent(seq: 4, event: .alert(alert: Alert(kind: .counterMismatch, device: dev, message: "selisih 2"))),
                SequencedEvent(seq: 5, event: .deviceState(device: dev, state: DeviceState(status: .error, reasons: [.coverOpen]))),
            ])
            _ = try await check(.post, "/v1/station/events", headers: station, body: try json(events))
            _ = try await check(
                .post, "/v1/station/heartbeat", headers: station,
                body: try json(Heartbeat(devices: [DeviceReport(id: dev, state: DeviceState(status: .ready))], stock: [.store: 100])))
            _ = try await check(.get, "/v1/station/reconcile", headers: station)
            _ = try await check(.get, "/v1/station/reconcile")
            for view in ["stations", "devices", "stock", "backlog", "alerts"] {
                _ = try await check(.get, "/v1/views/\(view)", headers: admin)
            }
            _ = try await check(.get, "/v1/views/jobs/PRR-000001", template: "/v1/views/jobs/{id}", headers: admin)
            _ = try await check(.get, "/v1/views/jobs/NOPE", template: "/v1/views/jobs/{id}", headers: admin)
            let report = "/v1/views/kabupaten/{code}/report"
            _ = try await check(.get, "/v1/views/kabupaten/32.16/report?month=2026-11", template: report, headers: admin)
            _ = try await check(.get, "/v1/views/kabupaten/32.16/report?month=nope", template: report, headers: admin)
            _ = try await check(.get, "/v1/views/kabupaten/99.99/report?month=2026-11", template: report, headers: admin)
            _ = try await check(.post, "/v1/admin/stations/\(credential.stationId)/revoke", template: "/v1/admin/stations/{id}/revoke", headers: admin)
            _ = try await check(.post, "/v1/admin/stations/stn-none/revoke", template: "/v1/admin/stations/{id}/revoke", headers: admin)
            _ = try await check(.get, "/v1/station/jobs", headers: station)
            _ = try await check(.get, "/metrics")
            return checked
        }
        #expect(checked >= 25)
    }

    // MARK: The checker

    static func validate(method: String, path: String, status: Int, body: Data, contentType: String) -> [String] {
        guard let operation = paths[path]?[method] as? [String: Any] else { return ["\(method.uppercased()) \(path) not in the document"] }
        guard let responses = operation["responses"] as? [String: Any], let response = responses[String(status)] as? [String: Any] else {
            return ["status \(status) not documented"]
        }
        guard let content = response["content"] as? [String: Any] else { return body.isEmpty ? [] : ["body not documented"] }
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = content[mediaType] as? [String: Any], let schema = media["schema"] as? [String: Any] else {
            return ["content type \(mediaType) not documented (have \(content.keys.sorted()))"]
        }
        guard mediaType == "application/json" else { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return ["body is not JSON"] }
        return check(value, against: schema, at: "$")
    }

    static func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String else { return schema }
        let name = String(ref.split(separator: "/").last!)
        let schemas = (document["components"] as! [String: Any])["schemas"] as! [String: Any]
        return resolve(schemas[name] as! [String: Any])
    }

    static func check(_ value: Any, against raw: [String: Any], at path: String) -> [String] {
        let schema = resolve(raw)
        if let options = schema["oneOf"] as? [[String: Any]] {
            return options.contains { check(value, against: $0, at: path).isEmpty } ? [] : ["\(path): matches no oneOf option"]
        }
        if let allowed = schema["enum"] as? [Any] {
            return allowed.contains { "\($0)" == "\(value)" } ? [] : ["\(path): \(value) not in enum"]
        }
        if let constant = schema["const"] { return "\(constant)" == "\(value)" ? [] : ["\(path): \(value) is not \(constant)"] }
        switch schema["type"] as? String {
        case "object"?:
            guard let object = value as? [String: Any] else { return ["\(path): not an object"] }
            var problems: [String] = []
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path).\(key): required, missing")
            }
            let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
            for (key, child) in object {
                if let s = properties[key] {
                    problems += check(child, against: s, at: "\(path).\(key)")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    problems += check(child, against: extra, at: "\(path).\(key)")
                }
            }
            return problems
        case "array"?:
            guard let array = value as? [Any] else { return ["\(path): not an array"] }
            guard let items = schema["items"] as? [String: Any] else { return [] }
            return array.enumerated().flatMap { check($1, against: items, at: "\(path)[\($0)]") }
        case "string"?:
            guard let s = value as? String else { return ["\(path): not a string"] }
            if schema["format"] as? String == "date-time", ISO8601DateFormatter().date(from: s) == nil { return ["\(path): not a date-time"] }
            if let pattern = schema["pattern"] as? String, s.range(of: pattern, options: .regularExpression) == nil {
                return ["\(path): does not match \(pattern)"]
            }
            return []
        case "integer"?:
            guard let n = value as? NSNumber, n.doubleValue == n.doubleValue.rounded() else { return ["\(path): not an integer"] }
            return []
        case "number"?:
            return value is NSNumber ? [] : ["\(path): not a number"]
        case "boolean"?:
            return value is Bool ? [] : ["\(path): not a boolean"]
        default:
            return []
        }
    }
}
