package cfdi

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/asn1"
	"fmt"
	"hash"
)

// Object identifiers of the PKCS#5 v2 (PBES2) scheme SAT's .key files use:
// PBKDF2 with HMAC-SHA1 and DES-EDE3-CBC; AES-CBC and HMAC-SHA256 are read
// too, as openssl writes them by default.
var (
	oidPBES2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1      = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidDESEDE3CBC    = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidAES128CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	maxPBKDF2Rounds  = 10_000_000
	cbcKeySizes      = map[string]int{oidDESEDE3CBC.String(): 24, oidAES128CBC.String(): 16, oidAES192CBC.String(): 24, oidAES256CBC.String(): 32}
	errUnsupportedPK = fmt.Errorf("%w: the key is not PBES2-encrypted PKCS#8 with PBKDF2 and 3DES or AES-CBC", ErrInvalidCSD)
)

type encryptedPrivateKeyInfo struct {
	Algorithm     algorithmIdentifier
	EncryptedData []byte
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type pbes2Params struct {
	KeyDerivationFunc algorithmIdentifier
	EncryptionScheme  algorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                 `asn1:"optional"`
	PRF        algorithmIdentifier `asn1:"optional"`
}

// decryptPKCS8 decrypts an EncryptedPrivateKeyInfo (RFC 5958, PBES2 of
// RFC 8018) into the DER of its PrivateKeyInfo. A wrong password is
// ErrWrongPassword.
func decryptPKCS8(der []byte, password string) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: the key is not DER EncryptedPrivateKeyInfo", ErrInvalidCSD)
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, errUnsupportedPK
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &params); err != nil {
		return nil, errUnsupportedPK
	}
	if !params.KeyDerivationFunc.Algorithm.Equal(oidPBKDF2) {
		return nil, errUnsupportedPK
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KeyDerivationFunc.Parameters.FullBytes, &kdf); err != nil {
		return nil, errUnsupportedPK
	}
	if kdf.Iterations < 1 || kdf.Iterations > maxPBKDF2Rounds {
		return nil, fmt.Errorf("%w: PBKDF2 iteration count %d", ErrInvalidCSD, kdf.Iterations)
	}
	var prf func() hash.Hash
	switch {
	case len(kdf.PRF.Algorithm) == 0 || kdf.PRF.Algorithm.Equal(oidHMACSHA1):
		prf = sha1.New
	case kdf.PRF.Algorithm.Equal(oidHMACSHA256):
		prf = sha256.New
	default:
		return nil, errUnsupportedPK
	}
	keyLen, ok := cbcKeySizes[params.EncryptionScheme.Algorithm.String()]
	if !ok {
		return nil, errUnsupportedPK
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.EncryptionScheme.Parameters.FullBytes, &iv); err != nil {
		return nil, errUnsupportedPK
	}
	key, err := pbkdf2.Key(prf, password, kdf.Salt, kdf.Iterations, keyLen)
	if err != nil {
		return nil, fmt.Errorf("%w: derive key: %v", ErrInvalidCSD, err)
	}
	var block cipher.Block
	if params.EncryptionScheme.Algorithm.Equal(oidDESEDE3CBC) {
		block, err = des.NewTripleDESCipher(key)
	} else {
		block, err = aes.NewCipher(key)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: cipher: %v", ErrInvalidCSD, err)
	}
	if len(iv) != block.BlockSize() || len(info.EncryptedData) == 0 || len(info.EncryptedData)%block.BlockSize() != 0 {
		return nil, fmt.Errorf("%w: malformed encrypted key", ErrInvalidCSD)
	}
	plain := make([]byte, len(info.EncryptedData))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, info.EncryptedData)
	return unpad(plain, block.BlockSize())
}

// unpad removes PKCS#7 padding; bad padding means a wrong password.
func unpad(b []byte, size int) ([]byte, error) {
	n := int(b[len(b)-1])
	if n == 0 || n > size || n > len(b) {
		return nil, ErrWrongPassword
	}
	pad := b[len(b)-n:]
	for _, c := range pad {
		if subtle.ConstantTimeByteEq(c, byte(n)) != 1 {
			return nil, ErrWrongPassword
		}
	}
	return b[:len(b)-n], nil
}
