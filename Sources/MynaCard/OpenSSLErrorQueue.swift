import CLibCrypto

/// The calling thread's OpenSSL error queue, read into one line a user can act on.
enum OpenSSLErrorQueue {
    /// Empties the queue, so a message never carries an earlier call's errors.
    static func clear() {
        ERR_clear_error()
    }

    /// Empties the queue into one line, oldest error first, each with the detail OpenSSL attached
    /// (e.g. `error:1E08010C:DECODER routines::unsupported (No supported data to decode. …)`).
    static func drain() -> String {
        var messages: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            guard code != 0 else { break }
            ERR_error_string_n(code, &buffer, buffer.count)
            var message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if flags & ERR_TXT_STRING != 0, let data, data.pointee != 0 {
                message += " (\(String(cString: data)))"
            }
            messages.append(message)
        }
        return messages.isEmpty ? "OpenSSL gave no detail" : messages.joined(separator: "; ")
    }
}

/// A libcrypto call that failed: what was being done, and OpenSSL's error queue at that moment.
struct LibCryptoFailure: Error, Sendable {
    var message: String

    /// Reads (and empties) the error queue for the step that just failed.
    init(_ step: String) {
        message = "\(step): \(OpenSSLErrorQueue.drain())"
    }

    /// A refusal decided before libcrypto was called.
    init(refusing reason: String) {
        message = reason
    }
}
