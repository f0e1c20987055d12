import EKTPWire

extension StationClient {
    /// `POST /v1/users`: adds a web user (operator or kepala).
    public func addWebUser(_ request: WebUserRequest) async throws(StationClientError) -> WebUserView {
        try await post("/users", request)
    }

    /// `GET /v1/users`
    public func webUsers() async throws(StationClientError) -> [WebUserView] {
        try await send(.GET, "/users")
    }
}
