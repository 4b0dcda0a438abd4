import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore

/// JSON responses with one encoder configuration for the whole API.
enum JSONResponse {
    static func ok(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        ok(raw: try JSONCoding.string(value), status: status)
    }

    static func ok(raw json: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
