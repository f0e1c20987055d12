import EKTPDomain
import EKTPWire
import Foundation
import Testing

@Suite("Canonical JSON and job signatures")
struct SignatureTests {
    @Test func canonicalFormSortsKeysAndEscapesMinimally() throws {
        let v = try JSONValue.parse(Data(#"{ "b": 1, "a": ["x\n\"y\"", true, null, -7], "é": "é/" }"#.utf8))
        #expect(String(decoding: v.canonicalBytes(), as: UTF8.self) == #"{"a":["x\n\"y\"",true,null,-7],"b":1,"é":"é/"}"#)
    }

    /// The verifier reads the job's canonical bytes out of the document's, in one walk:
    /// they must be exactly what canonicalising the job alone gives, escapes and nesting
    /// included, wherever the member sits among its siblings.
    @Test func aMembersBytesInsideItsObjectAreItsOwnCanonicalBytes() throws {
        let text = #"{"signature":{"v":"x"},"job":{"z":[1,{"b":"\"q\"\n","a":null}],"é":"é"},"a":-1,"format":"f"}"#
        let document = try JSONValue.parse(Data(text.utf8))
        let (bytes, range) = document.canonicalBytes(locating: "job")
        #expect(bytes == document.canonicalBytes())
        let job = try #require(document["job"])
        #expect(Array(bytes[try #require(range)]) == job.canonicalBytes())
        #expect(document.canonicalBytes(locating: "nothing").member == nil)
    }

    @Test func parallelChecksKeepTheFilesOrder() async {
        let items = Array(0..<10_000)
        #expect(await ParallelMap.map(items) { $0 * 3 } == items.map { $0 * 3 })
        #expect(await ParallelMap.map([5, 6]) { $0 + 1 } == [6, 7])
    }

    @Test(arguments: [#"{"a":1.5}"#, #"{"a":1,"a":2}"#, #"{"a":01}"#, #"{"a":1} x"#, #"{"a":"\ud800"}"#, "[1,]"])
    func refusesAmbiguousJSON(text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(Data(text.utf8)) }
    }

    /// Strings read as Foundation's own parser reads them (a second reading, not ours):
    /// plain runs, escapes before, between and after them, surrogate pairs.
    @Test(arguments: [
        #""""#, #""abc""#, #""a\"b""#, #""\n""#, #""ab\\cd\/ef""#, #""\u00e9t\u00E9 \ud83d\ude00 x""#, "\"Bandung Wétan\"", #""\t\u0041BC""#,
        "\"" + String(repeating: "QUJD", count: 10_000) + "\\n\"",
    ])
    func stringsReadAsFoundationReadsThem(text: String) throws {
        let ours = try JSONValue.parse(Data("[\(text)]".utf8))
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data("[\(text)]".utf8)) as? [String])
        #expect(ours == .array([.string(theirs[0])]), "\(text.prefix(40))")
    }

    /// A raw control character, an unknown escape, an unclosed string, and bytes that are
    /// not UTF-8 (in a plain run, and after an escape) are refused.
    @Test(arguments: [
        Array("\"a\u{01}b\"".utf8), Array(#""a\qb""#.utf8), Array(#""abc"#.utf8), [0x22, 0x61, 0xFF, 0x22], [0x22, 0x5C, 0x6E, 0xC3, 0x22],
    ])
    func refusesBrokenStrings(bytes: [UInt8]) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(bytes) }
    }

    static func job() throws -> PrintJob {
        let jpeg = Data([
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x90, 0x01, 0x2C, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
        ])
        let card = CardRecord(
            provinsi: "PROVINSI JAWA BARAT", kabupatenKota: "KABUPATEN BEKASI", nik: try NIK("3216011502960003"),
            nama: "MUH. RIDWAN", tempatLahir: "BEKASI", tanggalLahir: try CivilDate(iso: "1996-02-15"),
            jenisKelamin: .lakiLaki, golonganDarah: .a, alamat: "JL. MERDEKA NO. 9", rt: "005", rw: "003",
            kelurahanDesa: "SUKAMAJU", kecamatan: "TARUMAJAYA", agama: "ISLAM", statusPerkawinan: .kawin,
            pekerjaan: "WIRASWASTA", kewarganegaraan: .wni, berlakuHingga: .lifetime, tempatTerbit: "BEKASI",
            tanggalTerbit: try CivilDate(iso: "2026-11-20"), foto: jpeg, tandaTangan: jpeg)
        return PrintJob(
            id: try JobID("PRR-1"), kecamatanCode: "32.16.01", priority: .urgent, delivery: .pos(address: "JL. MERDEKA NO. 9"),
            approvedAt: "2026-11-20T08:00:00+07:00", card: card)
    }

    @Test func aSignedJobVerifiesEvenReformatted() throws {
        let signer = ApprovalSigner.generate(keyId: "approval-2026")
        let verifier = JobVerifier(trusted: [signer.approvalKey])
        let signed = try signer.sign(try Self.job())
        let verified = try verifier.verify(bytes: signed)
        #expect(verified.job == (try Self.job()))
        // Pretty-printed with other key order: same canonical bytes, still valid.
        let pretty = try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: signed), options: [.prettyPrinted])
        #expect(try verifier.verify(bytes: pretty).contentHash == verified.contentHash)
    }

    @Test func tamperedUnsignedForeignAndUnknownKeysAreRefused() throws {
        let signer = ApprovalSigner.generate(keyId: "approval-2026")
        let verifier = JobVerifier(trusted: [signer.approvalKey])
        let signed = String(decoding: try signer.sign(try Self.job()), as: UTF8.self)

        let tampered = signed.replacingOccurrences(of: "MUH. RIDWAN", with: "MUH. RIDWAM")
        #expect(throws: SignatureError.invalidSignature) { try verifier.verify(bytes: Data(tampered.utf8)) }

        let doc = try JSONValue.parse(Data(signed.utf8))
        guard case .object(let members) = doc else { Issue.record("not an object"); return }
        let unsigned = JSONValue.object(members.filter { $0.0 != "signature" })
        #expect(throws: SignatureError.unsigned) { try verifier.verify(unsigned) }

        let stranger = ApprovalSigner.generate(keyId: "approval-2026")
        #expect(throws: SignatureError.invalidSignature) { try verifier.verify(bytes: try stranger.sign(try Self.job())) }
        let unknown = ApprovalSigner.generate(keyId: "someone-else")
        #expect(throws: SignatureError.unknownKey(keyId: "someone-else")) { try verifier.verify(bytes: try unknown.sign(try Self.job())) }

        // A signature over other bytes (no domain prefix) is not a job signature.
        #expect(throws: SignatureError.self) {
            try verifier.verify(
                bytes: Data(#"{"format":"ektp-job/1","job":{},"signature":{"algorithm":"Ed25519","keyId":"approval-2026","value":"AAAA"}}"#.utf8))
        }
    }
}
