// Package afip is the fiscal Issuer of Argentina: electronic receipts
// authorized by AFIP (ARCA) through its SOAP web service APIs, WSAA for access
// tickets and WSFEv1 for receipts with a CAE.
//
// WSAA: a login ticket request (TRA) is signed as CMS SignedData with the
// company's certificate and key (credentials afip_certificate and
// afip_key) and sent to LoginCms; the token and sign it answers are kept
// in the host's shared cache until they expire, so every replica uses the
// same ticket (WSAA refuses a second one while the first is valid).
//
// WSFEv1: FECompUltimoAutorizado gives the last number of the (point of
// sale, receipt type); FECAESolicitar asks for the next one. The core
// serializes each series (CUIT-point of sale-type) under a database lock,
// and records the attempt before it is sent; after a timeout, a cut
// connection or a 5xx, FECompConsultar tells whether AFIP has the number
// before anything else is sent, so a number is never skipped or repeated.
// The receipt type (A, B, C; credit notes 3, 8, 13) follows from both
// parties' IVA conditions; IVA is reported per rate (AlicIva),
// CondicionIVAReceptorId always, and a credit note names its invoice
// (CbtesAsoc). AFIP's Errors and Observaciones are kept with their codes.
// The printable receipt carries AFIP's QR (a URL whose p parameter is the
// base64 of the receipt's JSON).
//
// WSFEv1's parameter tables (FEParamGet*, params.go) are served to
// operators by table name (Parameters), asked with the company's own
// credentials for its CUIT; all but the points of sale and the exchange
// rate are kept a day in the host's shared cache. PUT settings checks the
// points of sale with FEParamGetPtosVenta (VerifyConfig), and a receipt
// in a foreign currency without a rate is sent with AFIP's
// (FEParamGetCotizacion), recorded with the attempt and the document.
//
// Every call goes through the outbound client (breaker per company and
// service: afip_wsaa, afip_wsfe). It must never log or return a
// certificate, a key, a token or a sign, nor a request or response body.
package afip
