import Foundation

/// `POST /v1/users` (local socket only): an admin adds a person who logs in to the
/// station's web pages. The password travels over the local socket once and is stored as
/// a bcrypt hash.
public struct WebUserRequest: Codable, Sendable {
    /// Login name: lower-case letters, digits, `.`, `_`, `-`.
    public var name: String
    public var fullName: String
    /// `operator` or `kepala`.
    public var role: String
    public var password: String
    public init(name: String, fullName: String, role: String, password: String) {
        self.name = name
        self.fullName = fullName
        self.role = role
        self.password = password
    }
}

/// `GET /v1/users`: a web user without the password hash.
public struct WebUserView: Codable, Sendable {
    public var name: String
    public var fullName: String
    public var role: String
    public var createdAt: Date
    public var disabled: Bool
    public init(name: String, fullName: String, role: String, createdAt: Date, disabled: Bool) {
        self.name = name
        self.fullName = fullName
        self.role = role
        self.createdAt = createdAt
        self.disabled = disabled
    }
}
