import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation

/// Signs a file of unsigned jobs (one `PrintJob` object or an array) for the demo and
/// tests: `ektp-hub sign`. Every job must decode as a `PrintJob` first, so a typo is
/// refused here rather than at intake.
public enum JobFileSigner {
    public static func sign(_ data: Data, with signer: ApprovalSigner) throws -> (file: Data, count: Int) {
        let parsed: JSONValue
        do { parsed = try JSONValue.parse(data) } catch { throw HubError(.invalid, "berkas job bukan JSON yang valid: \(error.description)") }
        let items: [JSONValue]
        switch parsed {
        case .array(let a): items = a
        case .object: items = [parsed]
        default: throw HubError(.invalid, "berkas job harus berisi satu job atau daftar job")
        }
        guard !items.isEmpty else { throw HubError(.invalid, "berkas job kosong") }
        var out = Data("[".utf8)
        for (i, item) in items.enumerated() {
            do { _ = try JSONDecoder().decode(PrintJob.self, from: Data(item.canonicalBytes())) } catch {
                throw HubError(.invalid, "job ke-\(i + 1): \(JobVerifier.describe(error))")
            }
            if i > 0 { out.append(contentsOf: Array(",\n".utf8)) }
            out.append(try signer.sign(jobValue: item))
        }
        out.append(contentsOf: Array("]\n".utf8))
        return (out, items.count)
    }
}
