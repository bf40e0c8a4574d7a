package afiptest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
)

// The parameter methods the fake serves (FEParamGet*), with rows of
// AFIP's own tables.
var paramOps = map[string]bool{
	"FEParamGetPtosVenta": true, "FEParamGetCotizacion": true, "FEParamGetTiposCbte": true, "FEParamGetTiposDoc": true,
	"FEParamGetTiposIva": true, "FEParamGetTiposMonedas": true, "FEParamGetTiposTributos": true, "FEParamGetCondicionIvaReceptor": true,
}

// paramTables are rows of AFIP's tables: Id, Desc, FchDesde.
var paramTables = map[string]struct {
	elem string
	rows [][3]string
}{
	"FEParamGetTiposCbte": {"CbteTipo", [][3]string{{"1", "Factura A", "20100917"}, {"2", "Nota de Débito A", "20100917"},
		{"3", "Nota de Crédito A", "20100917"}, {"6", "Factura B", "20100917"}, {"7", "Nota de Débito B", "20100917"},
		{"8", "Nota de Crédito B", "20100917"}, {"11", "Factura C", "20110330"}, {"12", "Nota de Débito C", "20110330"},
		{"13", "Nota de Crédito C", "20110330"}}},
	"FEParamGetTiposDoc": {"DocTipo", [][3]string{{"80", "CUIT", "20080725"}, {"86", "CUIL", "20080725"},
		{"87", "CDI", "20080725"}, {"94", "Pasaporte", "20080725"}, {"96", "DNI", "20080725"}, {"99", "Doc. (Otro)", "20080728"}}},
	"FEParamGetTiposIva": {"IvaTipo", [][3]string{{"3", "0%", "20090220"}, {"4", "10.5%", "20090220"}, {"5", "21%", "20090220"},
		{"6", "27%", "20090220"}, {"8", "5%", "20141020"}, {"9", "2.5%", "20141020"}}},
	"FEParamGetTiposMonedas": {"Moneda", [][3]string{{"PES", "Pesos Argentinos", "20090403"}, {"DOL", "Dólar Estadounidense", "20090403"},
		{"012", "Real", "20090403"}, {"060", "Euro", "20090403"}}},
	"FEParamGetTiposTributos": {"TributoTipo", [][3]string{{"1", "Impuestos nacionales", "20100917"},
		{"2", "Impuestos provinciales", "20100917"}, {"3", "Impuestos municipales", "20100917"}, {"4", "Impuestos Internos", "20100917"},
		{"5", "IIBB", "20170719"}, {"6", "Percepción de IVA", "20170719"}, {"7", "Percepción de IIBB", "20170719"},
		{"99", "Otro", "20100917"}}},
}

// receiverConditions are FEParamGetCondicionIvaReceptor's rows: Id, Desc,
// Cmp_Clase.
var receiverConditions = [][3]string{{"1", "IVA Responsable Inscripto", "A/ALEY/C"}, {"6", "Responsable Monotributo", "A/ALEY/C"},
	{"13", "Monotributista Social", "A/ALEY/C"}, {"16", "Monotributo Trabajador Independiente Promovido", "A/ALEY/C"},
	{"4", "IVA Sujeto Exento", "B/C"}, {"7", "Sujeto No Categorizado", "B/C"}, {"8", "Proveedor del Exterior", "B/C"},
	{"9", "Cliente del Exterior", "B/C"}, {"10", "IVA Liberado – Ley N° 19.640", "B/C"}, {"15", "IVA No Alcanzado", "B/C"},
	{"5", "Consumidor Final", "C/49"}}

// quote is an exchange rate the fake answers.
type quote struct{ rate, date string }

// SetPointsOfSale sets the electronic points of sale of cuit, as
// FEParamGetPtosVenta answers them (a CUIT with none answers error 602).
func (s *Server) SetPointsOfSale(cuit int64, points ...afip.PtoVenta) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.points[cuit] = append([]afip.PtoVenta(nil), points...)
}

// SetExchangeRate sets what FEParamGetCotizacion answers for monID (DOL,
// 060, 012...): rate on date (YYYYMMDD); an empty rate makes monID a
// currency AFIP does not quote (error 12000). By default DOL, 060 and 012
// are quoted on the previous day.
func (s *Server) SetExchangeRate(monID, rate, date string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rate == "" {
		delete(s.quotes, monID)
		return
	}
	s.quotes[monID] = quote{rate, date}
}

// defaultQuotes are the fake's exchange rates until SetExchangeRate.
func defaultQuotes() map[string]quote {
	day := time.Now().AddDate(0, 0, -1).Format("20060102")
	return map[string]quote{"DOL": {"1452.5", day}, "060": {"1581.25", day}, "012": {"265.1", day}}
}

// noData is WSFEv1's error 602.
const noData = `<Errors><Err><Code>602</Code><Msg>No existen datos en nuestros registros para los parametros ingresados.</Msg></Err></Errors>`

// params serves the FEParamGet* methods.
func (s *Server) params(w http.ResponseWriter, r *http.Request, op string, mode Mode) {
	var req struct {
		Auth     afip.Auth
		MonId    string
		FchCotiz string
		ClaseCmp string
	}
	if err := bodyOf(r, &req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	answer := func(result string) {
		writeEnvelope(w, http.StatusOK, `<`+op+`Response xmlns="`+afip.WSFENamespace+`"><`+op+`Result>`+result+`</`+op+`Result></`+op+`Response>`)
	}
	if errs := s.authErrors(mode, req.Auth); errs != "" {
		answer(errs)
		return
	}
	var b strings.Builder
	switch op {
	case "FEParamGetPtosVenta":
		s.mu.Lock()
		points := s.points[req.Auth.Cuit]
		s.mu.Unlock()
		if len(points) == 0 {
			answer(noData)
			return
		}
		for _, p := range points {
			baja := p.FchBaja
			if baja == "" {
				baja = "NULL"
			}
			fmt.Fprintf(&b, `<PtoVenta><Nro>%d</Nro><EmisionTipo>%s</EmisionTipo><Bloqueado>%s</Bloqueado><FchBaja>%s</FchBaja></PtoVenta>`,
				p.Nro, escape(p.EmisionTipo), p.Bloqueado, baja)
		}
	case "FEParamGetCotizacion":
		s.cotizacion(answer, req.MonId, req.FchCotiz)
		return
	case "FEParamGetCondicionIvaReceptor":
		switch req.ClaseCmp {
		case "", "A", "B", "C", "ALEY", "49":
		default:
			answer(`<Errors><Err><Code>10244</Code><Msg>El valor del campo Cmp_Clase ingresado para la clase de comprobante no es valido.</Msg></Err></Errors>`)
			return
		}
		for _, c := range receiverConditions {
			if req.ClaseCmp == "" || containsClass(c[2], req.ClaseCmp) {
				fmt.Fprintf(&b, `<CondicionIvaReceptor><Id>%s</Id><Desc>%s</Desc><Cmp_Clase>%s</Cmp_Clase></CondicionIvaReceptor>`, c[0], escape(c[1]), c[2])
			}
		}
	default:
		t := paramTables[op]
		for _, row := range t.rows {
			fmt.Fprintf(&b, `<%s><Id>%s</Id><Desc>%s</Desc><FchDesde>%s</FchDesde><FchHasta>NULL</FchHasta></%s>`, t.elem, row[0], escape(row[1]), row[2], t.elem)
		}
	}
	answer(`<ResultGet>` + b.String() + `</ResultGet>`)
}

// cotizacion is FEParamGetCotizacion: the quote of monID, errors 12001
// (missing), 12000 (unknown currency) and 12002 (a malformed date).
func (s *Server) cotizacion(answer func(string), monID, date string) {
	s.mu.Lock()
	q, ok := s.quotes[monID]
	s.mu.Unlock()
	switch {
	case monID == "":
		answer(`<Errors><Err><Code>12001</Code><Msg>Campo MonId es obligatorio ingresarlo.</Msg></Err></Errors>`)
		return
	case !ok:
		answer(`<Errors><Err><Code>12000</Code><Msg>Campo MonId debe ser algunos de los habilitados en el presente WS. Para consultar los valores posible utilizar el metodo FEParamGetTiposMonedas</Msg></Err></Errors>`)
		return
	}
	if date != "" {
		if _, err := time.Parse("20060102", date); err != nil {
			answer(`<Errors><Err><Code>12002</Code><Msg>Campo FchCotiz No corresponde a una fecha valida con formato YYYYMMDD</Msg></Err></Errors>`)
			return
		}
		q.date = date
	}
	answer(fmt.Sprintf(`<ResultGet><MonId>%s</MonId><MonCotiz>%s</MonCotiz><FchCotiz>%s</FchCotiz></ResultGet>`, monID, q.rate, q.date))
}

// containsClass reports whether the Cmp_Clase list classes ("A/ALEY/C")
// holds class.
func containsClass(classes, class string) bool {
	for _, c := range strings.Split(classes, "/") {
		if c == class {
			return true
		}
	}
	return false
}
