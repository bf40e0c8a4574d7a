package sdk

import "github.com/nexuspos/nexus/internal/wire"

// Version is the version of this SDK module (semantic versioning; the
// compatibility promise is in the module's README.md).
const Version = "1.0.0-rc.1"

// ProtocolVersion is the version of the host ⇄ vertical protocol this SDK
// speaks. A host serves a vertical only when it speaks the same version.
const ProtocolVersion = wire.ProtocolVersion
