package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"
)

// KeySize is the length of a secrets key: AES-256.
const KeySize = 32

// Key is one encryption key and its id.
type Key struct {
	ID   string
	aead cipher.AEAD
}

// Keyring holds the current key, which seals, and the previous ones, which
// only open rows not rotated yet.
type Keyring struct {
	current *Key
	byID    map[string]*Key
}

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// errKeyFormat never names the value: it is the key.
var errKeyFormat = errors.New(`want "[<key id>:]<base64 of 32 random bytes>", such as the output of "openssl rand -base64 32"`)

// ParseKey parses "[<id>:]<base64 of 32 bytes>" (standard or URL base64,
// padded or not). Without an id, the id is derived from the key (a hash
// that does not reveal it). Errors never contain the key.
func ParseKey(s string) (Key, error) {
	id, encoded, hasID := strings.Cut(strings.TrimSpace(s), ":")
	if !hasID {
		id, encoded = "", id
	}
	raw, err := decodeBase64(encoded)
	if err != nil || len(raw) != KeySize {
		return Key{}, errKeyFormat
	}
	if hasID && !keyIDPattern.MatchString(id) {
		return Key{}, errors.New("the key id must be 1 to 64 letters, digits, '_', '.' or '-'")
	}
	if !hasID {
		sum := sha256.Sum256(append([]byte("nexus secrets key id\x00"), raw...))
		id = "k" + hex.EncodeToString(sum[:6])
	}
	return newKey(id, raw)
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errKeyFormat
}

func newKey(id string, raw []byte) (Key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return Key{}, fmt.Errorf("secrets key %s: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Key{}, fmt.Errorf("secrets key %s: %w", id, err)
	}
	return Key{ID: id, aead: aead}, nil
}

// ParseKeyring parses the current key (NEXUS_SECRETS_KEY; "" for none)
// and the comma-separated previous keys (NEXUS_SECRETS_KEY_PREVIOUS). Two
// keys may not share an id, and previous keys need a current one.
func ParseKeyring(current, previous string) (Keyring, error) {
	kr := Keyring{byID: map[string]*Key{}}
	if strings.TrimSpace(current) == "" {
		if strings.TrimSpace(previous) != "" {
			return Keyring{}, errors.New("NEXUS_SECRETS_KEY_PREVIOUS needs NEXUS_SECRETS_KEY")
		}
		return kr, nil
	}
	k, err := ParseKey(current)
	if err != nil {
		return Keyring{}, fmt.Errorf("NEXUS_SECRETS_KEY: %w", err)
	}
	kr.current = &k
	kr.byID[k.ID] = &k
	if strings.TrimSpace(previous) == "" {
		return kr, nil
	}
	for i, s := range strings.Split(previous, ",") {
		k, err := ParseKey(s)
		if err != nil {
			return Keyring{}, fmt.Errorf("NEXUS_SECRETS_KEY_PREVIOUS, key %d: %w", i+1, err)
		}
		if _, dup := kr.byID[k.ID]; dup {
			return Keyring{}, fmt.Errorf("NEXUS_SECRETS_KEY_PREVIOUS, key %d: key id %q is used twice", i+1, k.ID)
		}
		kr.byID[k.ID] = &k
	}
	return kr, nil
}

// devKeyMaterial is the development key's source: public, so a development
// host's secrets are not secret. NEXUS_ENV=dev only.
const devKeyMaterial = "nexus development secrets key: not secret, never for production"

// DevKeyring is the keyring of a development host without
// NEXUS_SECRETS_KEY: one well-known key with id "dev", the same on every
// start, so the demo's secrets survive restarts. A production host
// refuses to start without a key of its own (see serve); to move
// secrets written under it, rotate with it as a previous key.
func DevKeyring() Keyring {
	sum := sha256.Sum256([]byte(devKeyMaterial))
	k, err := newKey("dev", sum[:])
	if err != nil {
		panic(err) // a 32-byte key always makes an AES-GCM cipher
	}
	return Keyring{current: &k, byID: map[string]*Key{k.ID: &k}}
}

// Empty reports whether the keyring has no key.
func (kr Keyring) Empty() bool { return kr.current == nil }

// CurrentID is the id of the key that seals ("" when empty).
func (kr Keyring) CurrentID() string {
	if kr.current == nil {
		return ""
	}
	return kr.current.ID
}

// IDs lists the ids of every key, the current one first.
func (kr Keyring) IDs() []string {
	if kr.current == nil {
		return nil
	}
	ids := []string{kr.current.ID}
	for id := range kr.byID {
		if id != kr.current.ID {
			ids = append(ids, id)
		}
	}
	return ids
}

// ErrUnknownKey is returned when a row was sealed with a key the keyring
// does not hold.
var ErrUnknownKey = errors.New("sealed with a key that is neither NEXUS_SECRETS_KEY nor in NEXUS_SECRETS_KEY_PREVIOUS")

// ErrNoKey is returned when the keyring is empty.
var ErrNoKey = errors.New("no secrets key (NEXUS_SECRETS_KEY)")

// Address names a secret: the additional data its ciphertext is bound to.
type Address struct {
	CompanyID uuid.UUID
	Vertical  string
	Name      string
}

func (a Address) additionalData() []byte {
	return []byte("nexus secret\x00" + a.CompanyID.String() + "\x00" + a.Vertical + "\x00" + a.Name)
}

// String names the secret without its value, for logs and errors.
func (a Address) String() string { return a.CompanyID.String() + "/" + a.Vertical + "/" + a.Name }

// Seal encrypts value for a with the current key and returns the key id
// and the nonce followed by the ciphertext.
func (kr Keyring) Seal(a Address, value []byte) (keyID string, sealed []byte, err error) {
	if kr.current == nil {
		return "", nil, ErrNoKey
	}
	aead := kr.current.aead
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(value)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("seal secret %s: %w", a, err)
	}
	return kr.current.ID, aead.Seal(nonce, nonce, value, a.additionalData()), nil
}

// Open decrypts sealed (from Seal) for a with the key keyID.
func (kr Keyring) Open(a Address, keyID string, sealed []byte) ([]byte, error) {
	k, ok := kr.byID[keyID]
	if !ok {
		return nil, fmt.Errorf("open secret %s: key id %q: %w", a, keyID, ErrUnknownKey)
	}
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, fmt.Errorf("open secret %s: ciphertext too short", a)
	}
	value, err := k.aead.Open(nil, sealed[:n], sealed[n:], a.additionalData())
	if err != nil {
		return nil, fmt.Errorf("open secret %s with key %q: authentication failed", a, keyID)
	}
	return value, nil
}
