/// The replies of a `more` call, read one at a time from the connection.
public struct VarlinkReplyStream {
    let client: VarlinkClient
    let method: String
    var done = false

    /// The next reply's parameters, or nil after the last one. An error reply throws
    /// and ends the stream.
    public mutating func next() throws -> JSONObject? {
        guard !done else {
            return nil
        }
        do {
            let (parameters, continues) = try client.receiveReply(method)
            if !continues {
                done = true
                client.streaming = false
            }
            return parameters
        } catch {
            done = true
            client.streaming = false
            throw error
        }
    }

    /// The next reply decoded as `type`, or nil after the last one.
    public mutating func next<Reply: Decodable>(as type: Reply.Type) throws -> Reply? {
        guard let parameters = try next() else {
            return nil
        }
        return try JSONValueDecoder().decode(type, from: parameters)
    }
}
