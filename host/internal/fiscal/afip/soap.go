package afip

import (
	"encoding/xml"
)

// Namespaces of AFIP's SOAP APIs.
const (
	soapNS = "http://schemas.xmlsoap.org/soap/envelope/"
	// WSFENamespace is WSFEv1's target namespace; its SOAPAction is this
	// followed by the operation.
	WSFENamespace = "http://ar.gov.afip.dif.FEV1/"
	// WSAANamespace is WSAA's.
	WSAANamespace = "http://wsaa.view.sua.dvadac.desein.afip.gov"
)

// requestEnvelope is a SOAP 1.1 request whose body is Body.
type requestEnvelope struct {
	XMLName xml.Name `xml:"soap:Envelope"`
	Soap    string   `xml:"xmlns:soap,attr"`
	Body    struct {
		Op any
	} `xml:"soap:Body"`
}

// envelopeOf wraps op in a SOAP envelope.
func envelopeOf(op any) ([]byte, error) {
	env := requestEnvelope{Soap: soapNS}
	env.Body.Op = op
	b, err := xml.Marshal(env)
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}

// responseEnvelope reads a SOAP 1.1 answer: Body's content, or a Fault.
type responseEnvelope struct {
	Body struct {
		Fault *Fault `xml:"Fault"`
		Inner []byte `xml:",innerxml"`
	} `xml:"Body"`
}

// Fault is a SOAP fault, as WSAA answers its errors (faultcode such as
// ns1:coe.alreadyAuthenticated, ns1:cms.sign.invalid).
type Fault struct {
	Code   string `xml:"faultcode"`
	String string `xml:"faultstring"`
}

// Auth is WSFEv1's credentials element.
type Auth struct {
	Token string
	Sign  string
	Cuit  int64
}

// FECompUltimoAutorizado asks for the last authorized number of a point of
// sale and receipt type.
type FECompUltimoAutorizado struct {
	XMLName  xml.Name `xml:"FECompUltimoAutorizado"`
	Xmlns    string   `xml:"xmlns,attr"`
	Auth     Auth
	PtoVta   int
	CbteTipo int
}

// FECompUltimoAutorizadoResponse is its answer.
type FECompUltimoAutorizadoResponse struct {
	Result struct {
		PtoVta   int
		CbteTipo int
		CbteNro  int64
		Errors   []codeMsg `xml:"Errors>Err"`
	} `xml:"FECompUltimoAutorizadoResult"`
}

// FECompConsultar asks for one receipt.
type FECompConsultar struct {
	XMLName       xml.Name `xml:"FECompConsultar"`
	Xmlns         string   `xml:"xmlns,attr"`
	Auth          Auth
	FeCompConsReq struct {
		CbteTipo int
		CbteNro  int64
		PtoVta   int
	}
}

// FECompConsultarResponse is its answer: ResultGet, or Errors (602: no
// such receipt).
type FECompConsultarResponse struct {
	Result struct {
		ResultGet *struct {
			Concepto        int
			DocTipo         int
			DocNro          int64
			CbteDesde       int64
			CbteHasta       int64
			CbteFch         string
			ImpTotal        string
			ImpNeto         string
			ImpIVA          string
			MonId           string
			Resultado       string
			CodAutorizacion string
			EmisionTipo     string
			FchVto          string
			FchProceso      string
			PtoVta          int
			CbteTipo        int
			Observaciones   []codeMsg `xml:"Observaciones>Obs"`
		}
		Errors []codeMsg `xml:"Errors>Err"`
	} `xml:"FECompConsultarResult"`
}

// FECAESolicitar asks for CAEs.
type FECAESolicitar struct {
	XMLName  xml.Name `xml:"FECAESolicitar"`
	Xmlns    string   `xml:"xmlns,attr"`
	Auth     Auth
	FeCAEReq struct {
		FeCabReq struct {
			CantReg  int
			PtoVta   int
			CbteTipo int
		}
		FeDetReq struct {
			FECAEDetRequest []FECAEDetRequest
		}
	}
}

// FECAEDetRequest is one receipt, its elements in the WSDL's order.
type FECAEDetRequest struct {
	Concepto               int
	DocTipo                int
	DocNro                 int64
	CbteDesde              int64
	CbteHasta              int64
	CbteFch                string
	ImpTotal               string
	ImpTotConc             string
	ImpNeto                string
	ImpOpEx                string
	ImpTrib                string
	ImpIVA                 string
	FchServDesde           string `xml:",omitempty"`
	FchServHasta           string `xml:",omitempty"`
	FchVtoPago             string `xml:",omitempty"`
	MonId                  string
	MonCotiz               string
	CondicionIVAReceptorId int
	CbtesAsoc              []CbteAsoc `xml:"CbtesAsoc>CbteAsoc,omitempty"`
	Tributos               []Tributo  `xml:"Tributos>Tributo,omitempty"`
	Iva                    []AlicIva  `xml:"Iva>AlicIva,omitempty"`
}

// Tributo is a tax other than IVA (a percepción, impuestos internos...):
// Id from FEParamGetTiposTributos, Alic in percent.
type Tributo struct {
	Id      int
	Desc    string `xml:",omitempty"`
	BaseImp string
	Alic    string
	Importe string
}

// CbteAsoc is a receipt a credit note refers to.
type CbteAsoc struct {
	Tipo    int
	PtoVta  int
	Nro     int64
	Cuit    string
	CbteFch string
}

// AlicIva is the IVA at one rate.
type AlicIva struct {
	Id      int
	BaseImp string
	Importe string
}

// FECAESolicitarResponse is FECAESolicitar's answer.
type FECAESolicitarResponse struct {
	Result struct {
		FeCabResp struct {
			Cuit       int64
			PtoVta     int
			CbteTipo   int
			FchProceso string
			CantReg    int
			Resultado  string
		}
		FeDetResp []struct {
			Concepto      int
			DocTipo       int
			DocNro        int64
			CbteDesde     int64
			CbteHasta     int64
			CbteFch       string
			Resultado     string
			CAE           string
			CAEFchVto     string
			Observaciones []codeMsg `xml:"Observaciones>Obs"`
		} `xml:"FeDetResp>FECAEDetResponse"`
		Errors []codeMsg `xml:"Errors>Err"`
		Events []codeMsg `xml:"Events>Evt"`
	} `xml:"FECAESolicitarResult"`
}

// codeMsg is WSFEv1's Err, Obs and Evt.
type codeMsg struct {
	Code int
	Msg  string
}

// LoginCms is WSAA's request: in0 is the base64 of the signed TRA.
type LoginCms struct {
	XMLName xml.Name `xml:"loginCms"`
	Xmlns   string   `xml:"xmlns,attr"`
	In0     string   `xml:"in0"`
}

// LoginCmsResponse is its answer: the login ticket response as escaped
// XML.
type LoginCmsResponse struct {
	Return string `xml:"loginCmsReturn"`
}

// LoginTicketRequest is the TRA.
type LoginTicketRequest struct {
	XMLName xml.Name `xml:"loginTicketRequest"`
	Version string   `xml:"version,attr"`
	Header  struct {
		UniqueID       int64  `xml:"uniqueId"`
		GenerationTime string `xml:"generationTime"`
		ExpirationTime string `xml:"expirationTime"`
	} `xml:"header"`
	Service string `xml:"service"`
}

// LoginTicketResponse is the access ticket (TA).
type LoginTicketResponse struct {
	XMLName xml.Name `xml:"loginTicketResponse"`
	Version string   `xml:"version,attr"`
	Header  struct {
		Source         string `xml:"source"`
		Destination    string `xml:"destination"`
		UniqueID       int64  `xml:"uniqueId"`
		GenerationTime string `xml:"generationTime"`
		ExpirationTime string `xml:"expirationTime"`
	} `xml:"header"`
	Credentials struct {
		Token string `xml:"token"`
		Sign  string `xml:"sign"`
	} `xml:"credentials"`
}
