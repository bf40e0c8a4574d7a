package afiptest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
)

// TestCheckRefusesWhatAFIPRefuses holds the fake to WSFEv1's amount checks
// with AFIP's codes: ImpTotal is the sum of its parts (10048), ImpTrib the
// sum of the Tributos (10029), which are sent exactly when ImpTrib is
// positive (10024), with ids AFIP knows (10025) and a description for
// "other" (10042).
func TestCheckRefusesWhatAFIPRefuses(t *testing.T) {
	t.Parallel()
	good := func() afip.FECAEDetRequest {
		return afip.FECAEDetRequest{DocTipo: 80, ImpTotal: "1940.00", ImpTotConc: "0.00", ImpNeto: "1000.00", ImpOpEx: "500.00",
			ImpTrib: "230.00", ImpIVA: "210.00", CondicionIVAReceptorId: 1,
			Iva: []afip.AlicIva{{Id: 5, BaseImp: "1000.00", Importe: "210.00"}},
			Tributos: []afip.Tributo{{Id: 7, Desc: "Percepción IIBB", BaseImp: "1000.00", Alic: "3.00", Importe: "30.00"},
				{Id: 4, BaseImp: "1000.00", Alic: "20.00", Importe: "200.00"}}}
	}
	code, msg := check(afip.FacturaA, good())
	require.Zero(t, code, msg)
	for want, change := range map[int]func(*afip.FECAEDetRequest){
		10048: func(d *afip.FECAEDetRequest) { d.ImpTotal = "1710.00" },
		10029: func(d *afip.FECAEDetRequest) { d.Tributos[0].Importe = "31.00" },
		10024: func(d *afip.FECAEDetRequest) { d.Tributos = nil },
		10025: func(d *afip.FECAEDetRequest) { d.Tributos[1].Id = 42 },
		10042: func(d *afip.FECAEDetRequest) { d.Tributos[1].Id = 99 },
	} {
		d := good()
		change(&d)
		code, _ := check(afip.FacturaA, d)
		require.Equal(t, want, code)
	}
	none := good()
	none.ImpTrib, none.ImpTotal = "0.00", "1710.00"
	code, _ = check(afip.FacturaA, none)
	require.Equal(t, 10024, code, "tributos sent with ImpTrib 0")
}
