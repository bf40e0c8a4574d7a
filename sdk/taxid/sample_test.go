package taxid_test

import (
	"testing"

	"github.com/nexuspos/nexus/sdk/taxid"
)

func TestSamplesValidate(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for n := uint64(0); n < 2000; n += 7 {
		for _, individual := range []bool{false, true} {
			rfc := taxid.SampleRFC(n*104729, individual)
			res, err := taxid.ValidateRFC(rfc)
			if err != nil || len(res.Warnings) > 0 {
				t.Fatalf("SampleRFC(%d, %v) = %q: %v %v", n, individual, rfc, err, res.Warnings)
			}
			seen[rfc] = true
		}
		for _, prefix := range []string{"20", "27", "30"} {
			cuit := taxid.SampleCUIT(prefix, 10000000+n*37)
			if _, err := taxid.ValidateCUIT(cuit); err != nil {
				t.Fatalf("SampleCUIT(%s, %d) = %q: %v", prefix, n, cuit, err)
			}
		}
	}
	if len(seen) < 500 {
		t.Fatalf("only %d distinct RFCs out of 572", len(seen))
	}
}
