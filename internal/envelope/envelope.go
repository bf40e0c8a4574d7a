// Package envelope defines the JSON error envelope shared by the host and the
// SDK, so that an error written by a plugin and one written by the host look
// the same to an API client. It holds types only; it must not do I/O.
package envelope

// Body is the "error" member of the envelope.
type Body struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// Envelope is the whole JSON document returned with every error response:
// {"error":{"code":...,"message":...,"details":{...}},"request_id":"..."}.
type Envelope struct {
	Error     Body   `json:"error"`
	RequestID string `json:"request_id"`
}
