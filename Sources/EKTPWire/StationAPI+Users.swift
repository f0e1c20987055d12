import Foundation

/// `POST /v1/users` (local socket, the station's administrator: root): adds a person who
/// works at the station. The password (for the web pages) travels over the local socket
/// once and is stored as a bcrypt hash; `pcAccount` is the PC login they run `ektpctl`
/// under, so the station knows them from the socket's peer credentials.
public struct WebUserRequest: Codable, Sendable {
    /// Login name: lower-case letters, digits, `.`, `_`, `-`.
    public var name: String
    public var fullName: String
    /// `operator` or `kepala`.
    public var role: String
    public var password: String
    /// A PC login name, or a numeric uid.
    public var pcAccount: String?
    public init(name: String, fullName: String, role: String, password: String, pcAccount: String? = nil) {
        self.name = name
        self.fullName = fullName
        self.role = role
        self.password = password
        self.pcAccount = pcAccount
    }
}

/// `POST /v1/users/{name}/pc-accounts` (root): one more PC login for a station user. A PC
/// account belongs to one person.
public struct PCAccountRequest: Codable, Sendable {
    public var pcAccount: String
    public init(pcAccount: String) { self.pcAccount = pcAccount }
}

/// `GET /v1/users`: a station user without the password hash.
public struct WebUserView: Codable, Sendable {
    public var name: String
    public var fullName: String
    public var role: String
    public var createdAt: Date
    public var disabled: Bool
    /// The PC logins (or uids) `ektpctl` knows this person by.
    public var pcAccounts: [String]
    public init(name: String, fullName: String, role: String, createdAt: Date, disabled: Bool, pcAccounts: [String] = []) {
        self.name = name
        self.fullName = fullName
        self.role = role
        self.createdAt = createdAt
        self.disabled = disabled
        self.pcAccounts = pcAccounts
    }
}

/// `GET /v1/me`: who the station takes the caller for, from the socket's peer credentials.
public struct CallerView: Codable, Sendable, Equatable {
    /// The PC account the kernel names (login name, or `uid N`).
    public var pcAccount: String
    /// The station user it maps to, if any.
    public var user: String?
    public var fullName: String?
    public var role: String?
    /// The name the audit trail records for this caller's acts.
    public var recordedAs: String
    /// What the caller may not do, and why, when they are no station user (in Indonesian).
    public var note: String?
    public init(pcAccount: String, user: String?, fullName: String?, role: String?, recordedAs: String, note: String?) {
        self.pcAccount = pcAccount
        self.user = user
        self.fullName = fullName
        self.role = role
        self.recordedAs = recordedAs
        self.note = note
    }
}
