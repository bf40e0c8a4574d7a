package cfdi

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"time"
)

// CSD is a company's Certificado de Sello Digital: the SAT-issued
// certificate and its RSA key, ready to seal.
type CSD struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	// noCertificado is the 20-digit certificate number, from the serial.
	noCertificado string
}

// LoadCSD reads a CSD as the SAT hands it over: the .cer (DER X.509) and
// the .key (DER PKCS#8 encrypted with password). The key must match the
// certificate. Errors wrap ErrInvalidCSD or ErrWrongPassword and never
// carry the password.
func LoadCSD(cer, key []byte, password string) (*CSD, error) {
	cert, err := x509.ParseCertificate(cer)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate: %v", ErrInvalidCSD, err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: the certificate's key is not RSA", ErrInvalidCSD)
	}
	no, err := certificateNumber(cert)
	if err != nil {
		return nil, err
	}
	der, err := decryptPKCS8(key, password)
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		// A wrong password can leave valid-looking padding on garbage.
		return nil, ErrWrongPassword
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: the key is not RSA", ErrInvalidCSD)
	}
	if !priv.PublicKey.Equal(pub) {
		return nil, fmt.Errorf("%w: the key does not belong to certificate %s", ErrInvalidCSD, no)
	}
	return &CSD{cert: cert, key: priv, noCertificado: no}, nil
}

// certificateNumber is the NoCertificado: SAT serials are the ASCII codes
// of the 20 digits of the number.
func certificateNumber(cert *x509.Certificate) (string, error) {
	b := cert.SerialNumber.Bytes()
	for _, c := range b {
		if c < '0' || c > '9' {
			return "", fmt.Errorf("%w: serial %x is not a SAT certificate number", ErrInvalidCSD, b)
		}
	}
	return string(b), nil
}

// NoCertificado is the certificate number written in the Comprobante.
func (c *CSD) NoCertificado() string { return c.noCertificado }

// Certificado is the certificate in base64, as the Comprobante carries it.
func (c *CSD) Certificado() string { return base64.StdEncoding.EncodeToString(c.cert.Raw) }

// Certificate is the parsed certificate.
func (c *CSD) Certificate() *x509.Certificate { return c.cert }

// ValidAt reports whether the certificate is in force at t.
func (c *CSD) ValidAt(t time.Time) bool {
	return !t.Before(c.cert.NotBefore) && !t.After(c.cert.NotAfter)
}

// Sign is the Sello of a cadena original: RSA PKCS#1 v1.5 over its
// SHA-256, in base64.
func (c *CSD) Sign(cadena string) (string, error) {
	sum := sha256.Sum256([]byte(cadena))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign cadena original: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifySello checks that sello (base64) is the signature of cadena by the
// key of the certificate in certificado (base64 DER), as a PAC does before
// stamping.
func VerifySello(certificado, cadena, sello string) error {
	der, err := base64.StdEncoding.DecodeString(certificado)
	if err != nil {
		return fmt.Errorf("%w: Certificado is not base64", ErrInvalidCSD)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("%w: Certificado: %v", ErrInvalidCSD, err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w: the certificate's key is not RSA", ErrInvalidCSD)
	}
	sig, err := base64.StdEncoding.DecodeString(sello)
	if err != nil {
		return fmt.Errorf("%w: Sello is not base64", ErrInvalidDocument)
	}
	sum := sha256.Sum256([]byte(cadena))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("%w: the Sello does not match the cadena original and certificate", ErrInvalidDocument)
	}
	return nil
}

// Seal fills the Comprobante's NoCertificado and Certificado from csd,
// computes its cadena original and signs it into Sello. It returns the
// sealed XML and the cadena.
func Seal(c *Comprobante, csd *CSD) (xml []byte, cadena string, err error) {
	c.NoCertificado = csd.NoCertificado()
	c.Certificado = csd.Certificado()
	c.Sello = ""
	cadena, err = CadenaOriginal(c.XML())
	if err != nil {
		return nil, "", fmt.Errorf("seal: %w", err)
	}
	if c.Sello, err = csd.Sign(cadena); err != nil {
		return nil, "", fmt.Errorf("seal: %w", err)
	}
	return c.XML(), cadena, nil
}
