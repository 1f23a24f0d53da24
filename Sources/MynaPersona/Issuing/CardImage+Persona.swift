import ISO7816
import MynaApplications
import MynaCard

extension PersonaDirectory {
    /// The card this persona carries: the five applications with the persona's data, keys and
    /// credentials, and the MF's objects.
    public func cardImage() -> CardImage {
        CardImage(
            atr: persona.card.atr.bytes,
            supportsExtendedLength: persona.card.extendedLength,
            applications: [
                JPKIApplication.make(self), TextApplication.make(self), VisualApplication.make(self),
                CommonApplication.make(self), JukiApplication.make(self),
            ],
            masterFiles: MasterFile.layout.map { ElementaryFile(fid: $0.fid, content: .opaque) },
            credentials: JPKIApplication.credentials(for: persona) + TextApplication.credentials(for: persona)
                + VisualApplication.credentials(for: persona) + CommonApplication.credentials(for: persona),
            dataObjects: dataObjects()
        )
    }

    /// The MF-level objects GET DATA answers (card reference §get-data). `7F21` (absent on older cards) is left out.
    func dataObjects() -> [UInt16: [UInt8]] {
        typealias Object = MasterFile.DataObject
        return [
            Object.issuerID: CardVerifiableCertificate.keyID("7000042", "001"),
            Object.cardIdentificationNumber: Array(persona.card.serialNumber.utf8),
            Object.cardRecognitionData: MasterFile.cardRecognitionData,
            Object.municipalityCode: Array(persona.municipalityCode.utf8),
            Object.expiry: Array(persona.card.expiry.compact.utf8),
            Object.intermediateKeyID: CVHierarchy.text.issuerKeyID,
            Object.cvCertificate: (try? Hex.decode(issuerData.textCVCertificate)) ?? [],
        ]
    }
}
