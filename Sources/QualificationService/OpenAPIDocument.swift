/// The service's OpenAPI 3.0 description, served at `GET /openapi.yaml` (and checked against the
/// routes by the tests).
package enum QualificationAPIDocument {
    package static let yaml = """
        openapi: 3.0.3
        info:
          title: mynasim mock qualification service (オンライン資格確認・資格確認限定型)
          version: 1.0.0
          description: >
            A test double of the simplified online qualification check. Terminals log in, fetch a
            challenge, and send the patient's JPKI authentication certificate with the identity
            method: visual (目視, staff compare the card photo) or pin (the card signed the challenge
            after the patient's 4-digit PIN). Test data only. Errors are {"error": {"message": "…"}}.
        servers:
          - url: http://127.0.0.1:8080
        components:
          securitySchemes:
            bearer: {type: http, scheme: bearer}
            apiKey: {type: apiKey, in: header, name: X-API-Key}
            admin: {type: apiKey, in: header, name: X-Admin-Token}
            console: {type: apiKey, in: cookie, name: mynasim_console}
          schemas:
            Error:
              type: object
              required: [error]
              properties:
                error: {type: object, required: [message], properties: {message: {type: string}}}
            TerminalRegistration:
              type: object
              required: [name, password]
              properties: {name: {type: string}, password: {type: string, minLength: 8}}
            TerminalCreated:
              type: object
              required: [terminalId, apiKey]
              properties: {terminalId: {type: integer, format: int64}, apiKey: {type: string}}
            LoginRequest:
              type: object
              required: [terminalId, password]
              properties: {terminalId: {type: integer, format: int64}, password: {type: string}}
            LoginResponse:
              type: object
              required: [token, expiresAt]
              properties: {token: {type: string}, expiresAt: {type: string, format: date-time}}
            ChallengeResponse:
              type: object
              required: [challenge, expiresAt]
              properties: {challenge: {type: string, format: byte, description: '32 random bytes, single use'}, expiresAt: {type: string, format: date-time}}
            QualificationRequest:
              type: object
              required: [certificate, method]
              properties:
                certificate: {type: string, format: byte, description: DER of the JPKI authentication certificate (EF 000A)}
                method: {type: string, enum: [visual, pin]}
                challenge: {type: string, format: byte, description: pin method only}
                signature: {type: string, format: byte, description: 'pin method only: sha256WithRSAEncryption over the challenge by key 0017'}
            Person:
              type: object
              required: [name, kana, birthDate, sex]
              properties: {name: {type: string}, kana: {type: string}, birthDate: {type: string, format: date}, sex: {type: string}}
            Qualification:
              type: object
              required: [insurerNumber, insurerName, symbol, number, branch, relationship, copayRatio, validFrom]
              properties:
                insurerNumber: {type: string}
                insurerName: {type: string}
                symbol: {type: string}
                number: {type: string}
                branch: {type: string}
                relationship: {type: string, enum: [insured, dependant]}
                copayRatio: {type: integer, enum: [10, 20, 30]}
                validFrom: {type: string, format: date}
                validTo: {type: string, format: date, nullable: true}
                limitCategory: {type: string, nullable: true}
            QualificationResponse:
              type: object
              required: [checkId, result, message, method, checkedAt]
              properties:
                checkId: {type: integer, format: int64}
                result: {type: string, enum: [qualified, no-qualification, expired-certificate, revoked-certificate, unknown-card]}
                message: {type: string}
                method: {type: string, enum: [visual, pin]}
                checkedAt: {type: string, format: date-time}
                person: {$ref: '#/components/schemas/Person'}
                qualification: {$ref: '#/components/schemas/Qualification'}
            CheckList:
              type: object
              required: [checks]
              properties:
                checks:
                  type: array
                  items:
                    type: object
                    required: [checkId, checkedAt, result]
                    properties:
                      checkId: {type: integer, format: int64}
                      checkedAt: {type: string, format: date-time}
                      terminalId: {type: integer, format: int64, nullable: true}
                      method: {type: string, nullable: true}
                      result: {type: string}
                      name: {type: string, nullable: true}
          responses:
            BadRequest: {description: 'malformed JSON, base64 or certificate, or a field the method does not take', content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            Unauthorized: {description: missing or invalid login, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
        paths:
          /api/terminals:
            post:
              summary: Register a terminal (admin)
              security: [{admin: []}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/TerminalRegistration'}}}}
              responses:
                '201': {description: 'registered; the API key is shown once', content: {application/json: {schema: {$ref: '#/components/schemas/TerminalCreated'}}}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '401': {$ref: '#/components/responses/Unauthorized'}
                '422': {description: name empty or password shorter than 8, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
          /api/login:
            post:
              summary: Log a terminal in with its password
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/LoginRequest'}}}}
              responses:
                '200': {description: a bearer token (8 hours), content: {application/json: {schema: {$ref: '#/components/schemas/LoginResponse'}}}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '401': {$ref: '#/components/responses/Unauthorized'}
          /api/challenges:
            post:
              summary: A fresh challenge for the PIN method (valid 120 s, single use)
              security: [{bearer: []}, {apiKey: []}]
              responses:
                '201': {description: the challenge, content: {application/json: {schema: {$ref: '#/components/schemas/ChallengeResponse'}}}}
                '401': {$ref: '#/components/responses/Unauthorized'}
          /api/qualifications:
            post:
              summary: Check a patient's qualification
              security: [{bearer: []}, {apiKey: []}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/QualificationRequest'}}}}
              responses:
                '200': {description: the truth about the card holder, content: {application/json: {schema: {$ref: '#/components/schemas/QualificationResponse'}}}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '401': {$ref: '#/components/responses/Unauthorized'}
                '409': {description: the challenge was already used, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
                '410': {description: the challenge expired, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
                '422': {description: 'certificate not from the trusted CA, unknown challenge, or the signature does not verify', content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
          /api/checks:
            get:
              summary: Recent checks, newest first
              security: [{bearer: []}, {apiKey: []}]
              parameters: [{name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 20}}]
              responses:
                '200': {description: the checks, content: {application/json: {schema: {$ref: '#/components/schemas/CheckList'}}}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '401': {$ref: '#/components/responses/Unauthorized'}
          /openapi.yaml:
            get:
              summary: This document
              responses: {'200': {description: OpenAPI 3.0 YAML}}
          /console/login:
            get:
              summary: Staff console - the sign-in form (HTML)
              parameters: [{name: next, in: query, schema: {type: string, description: 'the console page to show after signing in'}}]
              responses: {'200': {description: HTML}}
            post:
              summary: Staff console - sign in with the terminal id and password; the session token is set in a cookie only
              requestBody:
                required: true
                content:
                  application/x-www-form-urlencoded:
                    schema:
                      type: object
                      required: [terminal, password]
                      properties: {terminal: {type: integer}, password: {type: string}, next: {type: string}}
              responses:
                '303': {description: 'signed in: Set-Cookie mynasim_console (HttpOnly, SameSite=Lax, Path=/console), Location the page asked for'}
                '400': {description: 'the form could not be read (HTML)'}
                '401': {description: 'unknown terminal or wrong password (HTML: the form again)'}
          /console/logout:
            post:
              summary: Staff console - sign out (the session ends on the server and the cookie is cleared)
              responses: {'303': {description: 'to the sign-in form'}}
          /console:
            get:
              summary: Staff console - recent checks (HTML; the session cookie from /console/login)
              security: [{console: []}]
              responses: {'200': {description: HTML}, '303': {description: 'no valid session: to /console/login'}}
          /console/checks/{id}:
            get:
              summary: Staff console - one check's result screen (HTML; the session cookie from /console/login)
              security: [{console: []}]
              parameters:
                - {name: id, in: path, required: true, schema: {type: integer}}
              responses: {'200': {description: HTML}, '303': {description: 'no valid session: to /console/login'}, '404': {description: no such check}}
        """
}
