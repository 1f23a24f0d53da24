import Foundation
import FuzzSupport

@testable import QualificationAPI

// The qualification service's JSON bodies (QualificationAPI, docs/qualification-openapi.yaml):
// any bytes decode as each request and response model or fail with a DecodingError; whatever
// decodes encodes again and decodes to the same value (what the service stores and the client
// reads back), and the Japanese wording of an enum never traps.

func roundTrip<T: Codable>(_ type: T.Type, _ bytes: Data, same: (T, T) -> Bool) {
    guard let value = try? JSONDecoder().decode(T.self, from: bytes) else { return }
    guard let encoded = try? JSONEncoder().encode(value) else {
        fuzzCheck(false, "a decoded \(T.self) does not encode")
        return
    }
    guard let again = try? JSONDecoder().decode(T.self, from: encoded) else {
        fuzzCheck(false, "an encoded \(T.self) does not decode: \(String(decoding: encoded, as: UTF8.self))")
        return
    }
    fuzzCheck(same(value, again), "\(T.self) changed in a round trip")
}

func encodedEqual<T: Encodable>(_ a: T, _ b: T) -> Bool {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return (try? encoder.encode(a)) == (try? encoder.encode(b))
}

/// Builds the fixtures before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: FuzzerArgumentCount, _ argv: FuzzerArgumentVector) -> CInt {
    _ = JSONDecoder()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQualification(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(FuzzInput(data, size).bytes)
    roundTrip(TerminalRegistration.self, bytes, same: encodedEqual)
    roundTrip(TerminalCreated.self, bytes, same: encodedEqual)
    roundTrip(LoginRequest.self, bytes, same: encodedEqual)
    roundTrip(LoginResponse.self, bytes, same: encodedEqual)
    roundTrip(ChallengeResponse.self, bytes, same: encodedEqual)
    roundTrip(QualificationRequest.self, bytes, same: encodedEqual)
    roundTrip(QualificationResponse.self, bytes, same: encodedEqual)
    roundTrip(QualificationRecord.self, bytes, same: ==)
    roundTrip(PersonInfo.self, bytes, same: ==)
    roundTrip(CheckSummary.self, bytes, same: encodedEqual)
    roundTrip(CheckList.self, bytes, same: encodedEqual)
    roundTrip(ErrorBody.self, bytes, same: encodedEqual)
    if let request = try? JSONDecoder().decode(QualificationRequest.self, from: bytes) { _ = request.method.japanese }
    if let response = try? JSONDecoder().decode(QualificationResponse.self, from: bytes) {
        _ = response.result.japanese
        _ = response.method.japanese
    }
    return 0
}
