// Package fiscal is the fiscal document a vertical hands the host to issue
// a legal receipt — an AFIP WSFEv1 receipt with its CAE in Argentina, a
// CFDI 4.0 stamped by a PAC in Mexico — and the document the host answers.
// The host and the SDK share these types, so what a vertical builds is
// exactly what the host validates and stores (sdk.Context.Fiscal issues
// it; GET /api/v1/fiscal/documents shows it).
//
// A vertical builds an Input from the calculator's result (sdk/money):
// each line's quantity, unit price, discount, taxable base and tax per
// rate, the document's totals, its currency and customer. Taxes are typed
// (Tax*: IVA everywhere, Mexico's IEPS at a rate or per unit and its
// withheld ISR and IVA, Argentina's tributos and percepciones); a
// withheld tax is subtracted from the total. Validate checks
// that the amounts add up the way the calculator makes them add up; it
// must not compute them again, and it knows no country: the host's issuer
// for the company's country checks what its authority needs.
package fiscal
