// Package cfdi issues Mexican CFDI 4.0 invoices: it builds the
// cfdi:Comprobante from a document (Build; BuildPayment for a payment
// receipt of type P with the Pagos 2.0 complement), computes its cadena
// original exactly as SAT's cadenaoriginal_4_0.xslt does (CadenaOriginal)
// and seals it with the company's CSD (LoadCSD, Seal): RSA-SHA256 over the cadena,
// NoCertificado from the certificate's serial, the certificate in base64.
//
// The package is pure: it reads no database, no secret store and no
// network, and it must not depend on the host's fiscal core, which calls it
// through an adapter. Stamping by a PAC, storage and the company's
// configuration live elsewhere.
package cfdi
