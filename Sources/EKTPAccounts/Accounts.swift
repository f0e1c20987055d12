import Crypto
import Foundation
import HummingbirdBcrypt

/// Who may use which pages. The station knows operators and kecamatan heads; the hub
/// knows the central office.
public enum WebRole: String, Codable, Sendable, CaseIterable {
    case `operator`
    case kepala
    case pusat

    public var label: String {
        switch self {
        case .operator: "operator"
        case .kepala: "kepala kecamatan"
        case .pusat: "kantor pusat"
        }
    }
}

/// A person who may log in.
public struct WebUser: Sendable, Equatable {
    public var name: String
    public var fullName: String
    public var role: WebRole
    public var passwordHash: String
    public var createdAt: Date
    public var disabled: Bool

    public init(name: String, fullName: String, role: WebRole, passwordHash: String, createdAt: Date, disabled: Bool = false) {
        self.name = name
        self.fullName = fullName
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.disabled = disabled
    }
}

/// A logged-in browser. Only a hash of the cookie's token is stored, so a copy of the
/// database does not let anyone in.
public struct WebSession: Sendable, Equatable {
    public var tokenHash: Data
    public var user: String
    public var fullName: String
    public var role: WebRole
    /// The token every form of this session carries (synchronizer-token CSRF defence).
    public var csrf: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: Data, user: String, fullName: String, role: WebRole, csrf: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.user = user
        self.fullName = fullName
        self.role = role
        self.csrf = csrf
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Where users and sessions live: the station store, or either hub store.
public protocol WebAccountStore: Sendable {
    /// Adds a user; a name already taken is refused with `WebAccountError.exists`.
    func addWebUser(_ user: WebUser) async throws
    /// Replaces a user's password hash; false if there is no such user.
    func setWebPassword(name: String, passwordHash: String) async throws -> Bool
    func webUser(named name: String) async throws -> WebUser?
    func webUsers() async throws -> [WebUser]
    /// Stores a new session and removes the expired ones.
    func createWebSession(_ session: WebSession) async throws
    /// The session with this token hash, if it has not expired at `now`.
    func webSession(tokenHash: Data, now: Date) async throws -> WebSession?
    func deleteWebSession(tokenHash: Data) async throws
}

/// Why an account could not be made or used, in Indonesian.
public struct WebAccountError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable { case invalid, exists, roleNotHere = "role-not-here" }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}

/// Account rules shared by the station and the hub: names, password strength, bcrypt.
public enum WebAccounts {
    /// bcrypt cost: about a tenth of a second per login on a small office PC.
    public static let bcryptCost: UInt8 = 11
    public static let minimumPasswordLength = 10
    /// A session lasts one working day at most.
    public static let sessionLifetime: TimeInterval = 12 * 3600

    /// Checks a new user's fields and hashes the password; the roles allowed here are
    /// the station's (operator, kepala) or the hub's (pusat).
    public static func newUser(name: String, fullName: String, role: WebRole, password: String, allowed: Set<WebRole>, now: Date) throws -> WebUser {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard name.range(of: "^[a-z][a-z0-9._-]{1,31}$", options: .regularExpression) != nil else {
            throw WebAccountError(.invalid, "nama pengguna harus 2–32 huruf kecil, angka, titik, garis bawah atau tanda hubung, diawali huruf")
        }
        let fullName = fullName.trimmingCharacters(in: .whitespaces)
        guard !fullName.isEmpty, fullName.count <= 120 else { throw WebAccountError(.invalid, "nama lengkap wajib diisi (paling panjang 120 karakter)") }
        guard allowed.contains(role) else {
            throw WebAccountError(
                .roleNotHere, "peran \(role.rawValue) tidak dipakai di sini (yang ada: \(allowed.map(\.rawValue).sorted().joined(separator: ", ")))")
        }
        try checkPassword(password, name: name)
        return WebUser(name: name, fullName: fullName, role: role, passwordHash: Bcrypt.hash(password, cost: bcryptCost), createdAt: now)
    }

    public static func checkPassword(_ password: String, name: String) throws {
        guard password.count >= minimumPasswordLength else {
            throw WebAccountError(.invalid, "kata sandi paling sedikit \(minimumPasswordLength) karakter")
        }
        // bcrypt reads at most 72 bytes; a longer password would be cut without a word.
        guard password.utf8.count <= 72 else { throw WebAccountError(.invalid, "kata sandi paling panjang 72 byte") }
        guard password.lowercased() != name.lowercased() else { throw WebAccountError(.invalid, "kata sandi tidak boleh sama dengan nama pengguna") }
    }

    /// A bcrypt hash of nothing anyone can type, checked when the user does not exist so
    /// that a wrong name takes as long as a wrong password.
    static let decoyHash = Bcrypt.hash(randomToken(), cost: bcryptCost)

    /// The user, if the name and password are right and the account is enabled.
    public static func verify(name: String, password: String, in store: any WebAccountStore) async throws -> WebUser? {
        let user = try await store.webUser(named: name.trimmingCharacters(in: .whitespaces).lowercased())
        guard password.utf8.count <= 72 else { return nil }
        let ok = Bcrypt.verify(password, hash: user?.passwordHash ?? decoyHash)
        guard ok, let user, !user.disabled else { return nil }
        return user
    }

    /// 32 random bytes, base64url without padding.
    public static func randomToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = generator.next() }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// SHA-256 of a session token, as stored.
    public static func tokenHash(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }

    /// Compares two secrets in time independent of where they differ.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

/// A PC account a person runs `ektpctl` under: a Debian login name, or a numeric uid for
/// an account without one. The station knows its caller from the socket's peer
/// credentials and matches either form.
public enum PCAccount {
    public static func check(_ text: String) throws(WebAccountError) -> String {
        let account = text.trimmingCharacters(in: .whitespaces)
        guard account.range(of: "^([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})$", options: .regularExpression) != nil else {
            throw WebAccountError(.invalid, "akun PC harus nama login (huruf kecil, angka, _ atau -, paling panjang 32) atau nomor uid")
        }
        return account
    }

    /// The forms a caller's peer credentials may be mapped under: the login name when the
    /// PC knows one, and the uid.
    public static func keys(uid: UInt32, login: String?) -> [String] {
        [login, String(uid)].compactMap { $0 }
    }
}
