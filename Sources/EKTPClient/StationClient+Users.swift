import EKTPWire
import Foundation

extension StationClient {
    /// `POST /v1/users`: adds a web user (operator or kepala).
    public func addWebUser(_ request: WebUserRequest) async throws(StationClientError) -> WebUserView {
        try await post("/users", request)
    }

    /// `POST /v1/users/{name}/pc-accounts`: one more PC account for a station user.
    public func linkPCAccount(_ name: String, _ request: PCAccountRequest) async throws(StationClientError) -> WebUserView {
        try await post("/users/\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")/pc-accounts", request)
    }

    /// `GET /v1/me`: who the station takes this PC account for.
    public func me() async throws(StationClientError) -> CallerView {
        try await send(.GET, "/me")
    }

    /// `GET /v1/users`
    public func webUsers() async throws(StationClientError) -> [WebUserView] {
        try await send(.GET, "/users")
    }
}
