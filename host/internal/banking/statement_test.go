package banking

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return b
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseAmount(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		sep  byte
		want string
		err  string
	}{
		{"116.00", '.', "116", ""},
		{"000000000000000000001.50", '.', "1.5", ""},
		{"1,250.50", '.', "1250.5", ""},
		{"1.250,50", ',', "1250.5", ""},
		{"-35.00", '.', "-35", ""},
		{"+35", '.', "35", ""},
		{"35.00-", '.', "-35", ""},
		{"(1,000.00)", '.', "-1000", ""},
		{"$ 1 000.10", '.', "1000.1", ""},
		{"-$12.5", '.', "-12.5", ""},
		{"1'000.00", '.', "1000", ""},
		{".5", '.', "0.5", ""},
		{"7.", '.', "7", ""},
		{"10.000", '.', "10", ""},
		{"", '.', "", "is empty"},
		{"abc", '.', "", "is not an amount"},
		{"1.2.3", '.', "", "is not an amount"},
		{"1e5", '.', "", "is not an amount"},
		{"10.005", '.', "", "more than 2 decimals"},
		{"1234567890123456", '.', "", "is not an amount"},
		{"$", '.', "", "is not an amount"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseAmount(tc.in, tc.sep, csvAmountDecimals)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.True(t, decimal.RequireFromString(tc.want).Equal(got), "got %s", got)
		})
	}
}

// TestParseAmountExact covers the amounts OFX allows: a sign, leading
// zeros and the bank's own precision, kept exactly up to maxAmountDecimals.
func TestParseAmountExact(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		sep  byte
		want string
		err  string
	}{
		{"+00000000000115.8331", '.', "115.8331", ""},
		{"-00000000000020.0000", '.', "-20", ""},
		{"-0000000000000000000000000000.0042", '.', "-0.0042", ""},
		{"115,8331", ',', "115.8331", ""},
		{"0.123456", '.', "0.123456", ""},
		{"5.1000000000", '.', "5.1", ""},
		{"999999999999999.999999", '.', "999999999999999.999999", ""},
		{"1.1234567", '.', "", "more than 6 decimals"},
		{"+1234567890123456.5", '.', "", "is not an amount"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseAmount(tc.in, tc.sep, maxAmountDecimals)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.True(t, decimal.RequireFromString(tc.want).Equal(got), "got %s", got)
		})
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, format, want string
		ok               bool
	}{
		{"2024-05-03", "", "2024-05-03", true},
		{"03/05/2024", "", "2024-05-03", true},
		{"03.05.2024", "", "2024-05-03", true},
		{"2024-05-03 10:22:00", "", "2024-05-03", true},
		{"2024-05-03T10:22:00", "", "2024-05-03", true},
		{"05/03/2024", "MM/DD/YYYY", "2024-05-03", true},
		{"3/5/24", "D/M/YY", "2024-05-03", true},
		{"15/ENE/2024", "DD/MMM/YYYY", "2024-01-15", true},
		{"15-dic-2024", "DD-MMM-YYYY", "2024-12-15", true},
		{"15 Aug 2024", "DD MMM YYYY", "2024-08-15", true},
		{"20240503", "YYYYMMDD", "2024-05-03", true},
		{"31/02/2024", "DD/MM/YYYY", "", false},
		{"29/02/2023", "", "", false},
		{"29/02/2024", "", "2024-02-29", true},
		{"3/5/2024", "DD/MM/YYYY", "", false},
		{"03/05/2024x", "DD/MM/YYYY", "", false},
		{"15/XYZ/2024", "DD/MMM/YYYY", "", false},
		{"yesterday", "", "", false},
		{"", "", "", false},
		{"01/01/1900", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.in+" "+tc.format, func(t *testing.T) {
			t.Parallel()
			got, err := parseDate(tc.in, tc.format)
			if !tc.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got.Format(time.DateOnly))
		})
	}
}

func TestCheckDateFormat(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"DD/MM/YYYY", "YYYY-MM-DD", "D/M/YY", "DD-MMM-YYYY", "YYYYMMDD"} {
		require.NoError(t, checkDateFormat(f), f)
	}
	for _, f := range []string{"", "DD/MM", "YYYY-MM-DD-DD", "dd/mm/yyyy", "MM/YYYY"} {
		require.Error(t, checkDateFormat(f), f)
	}
}

func TestMappingValidate(t *testing.T) {
	t.Parallel()
	no := false
	cases := []struct {
		name  string
		m     CSVMapping
		field string
	}{
		{"ok amount", CSVMapping{Date: "Fecha", Amount: "Importe"}, ""},
		{"ok debit credit", CSVMapping{Date: "Fecha", Debit: "Cargo", Credit: "Abono", Delimiter: ";", DecimalSeparator: ","}, ""},
		{"ok numbered", CSVMapping{Header: &no, Date: "1", Amount: "3"}, ""},
		{"no date", CSVMapping{Amount: "Importe"}, "csv_mapping.date"},
		{"no amount", CSVMapping{Date: "Fecha"}, "csv_mapping.amount"},
		{"debit only", CSVMapping{Date: "Fecha", Debit: "Cargo"}, "csv_mapping.amount"},
		{"both", CSVMapping{Date: "Fecha", Amount: "Importe", Debit: "Cargo", Credit: "Abono"}, "csv_mapping.amount"},
		{"delimiter", CSVMapping{Date: "Fecha", Amount: "Importe", Delimiter: "::"}, "csv_mapping.delimiter"},
		{"decimal", CSVMapping{Date: "Fecha", Amount: "Importe", DecimalSeparator: "'"}, "csv_mapping.decimal_separator"},
		{"skip", CSVMapping{Date: "Fecha", Amount: "Importe", SkipRows: 1000}, "csv_mapping.skip_rows"},
		{"format", CSVMapping{Date: "Fecha", Amount: "Importe", DateFormat: "DD/MM"}, "csv_mapping.date_format"},
		{"named without header", CSVMapping{Header: &no, Date: "Fecha", Amount: "3"}, "csv_mapping.date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.m.Validate()
			if tc.field == "" {
				require.NoError(t, err)
				require.NotEmpty(t, tc.m.Delimiter)
				require.NotNil(t, tc.m.Header)
				return
			}
			require.Error(t, err)
			require.Equal(t, tc.field, errDetails(t, err)["field"])
		})
	}
}

// bankMapping reads testdata/statement.csv.
func bankMapping() CSVMapping {
	m := CSVMapping{Delimiter: ";", SkipRows: 2, Date: "fecha", DateFormat: "DD/MM/YYYY", Debit: "Cargo", Credit: "Abono",
		Description: "Concepto", Reference: "Referencia", DecimalSeparator: ","}
	if err := m.Validate(); err != nil {
		panic(err)
	}
	return m
}

func TestParseCSV(t *testing.T) {
	t.Parallel()
	p, err := parseCSV(readTestdata(t, "statement.csv"), bankMapping())
	require.NoError(t, err)
	require.Len(t, p.lines, 4)
	l := p.lines[0]
	require.Equal(t, 4, l.row)
	require.Equal(t, day("2024-05-02"), l.postedOn)
	require.Equal(t, "116", l.amount.String())
	require.Equal(t, "SPEI RECIBIDO URE180429TM6 FACT T-1", l.description)
	require.Equal(t, "REF001", l.reference)
	require.Equal(t, "-50", p.lines[1].amount.String())
	require.Equal(t, "-50", p.lines[2].amount.String())
	require.Equal(t, "PAGO; CON PUNTO Y COMA", p.lines[3].description)
	require.Equal(t, "-1250.5", p.lines[3].amount.String())
	require.Equal(t, []Rejection{
		{Row: 8, Field: "date", Reason: `date "31/02/2024" is not a real date`},
		{Row: 9, Field: "amount", Reason: "both debit and credit are empty"},
	}, p.rejections)

	hashes := dedupeHashes(p.lines)
	require.NotEqual(t, hashes[1], hashes[2], "two identical payments on one day stay two movements")
	overlap, err := parseCSV(readTestdata(t, "statement_overlap.csv"), bankMapping())
	require.NoError(t, err)
	again := dedupeHashes(overlap.lines)
	require.Equal(t, hashes[1], again[0])
	require.Equal(t, hashes[2], again[1])
	require.Equal(t, hashes[3], again[2])

	t.Run("variants", func(t *testing.T) {
		no := false
		cases := []struct {
			name    string
			data    string
			m       CSVMapping
			amounts []string
			rejects int
			badCSV  string
		}{
			{"comma and signed amount", "date,amount,desc\n2024-05-01,-10.50,x\n2024-05-02,\"1,000.00\",y\n",
				CSVMapping{Date: "date", Amount: "amount", Description: "desc"}, []string{"-10.5", "1000"}, 0, ""},
			{"tab", "date\tamount\n2024-05-01\t3\n", CSVMapping{Delimiter: "\t", Date: "DATE", Amount: "Amount"}, []string{"3"}, 0, ""},
			{"no header", "01/05/2024|x|7,5\n", CSVMapping{Delimiter: "|", Header: &no, Date: "1", Description: "2", Amount: "3", DecimalSeparator: ","},
				[]string{"7.5"}, 0, ""},
			{"header numbers", "a,b\n2024-05-01,4\n", CSVMapping{Date: "1", Amount: "2"}, []string{"4"}, 0, ""},
			{"BOM in header", "\uFEFFdate,amount\n2024-05-01,4\n", CSVMapping{Date: "date", Amount: "amount"}, []string{"4"}, 0, ""},
			{"latin-1", "fecha,importe,concepto\n2024-05-01,4,DEP\xd3SITO\n", CSVMapping{Date: "fecha", Amount: "importe", Description: "concepto"}, []string{"4"}, 0, ""},
			{"zero amount", "date,amount\n2024-05-01,0.00\n2024-05-01,1\n", CSVMapping{Date: "date", Amount: "amount"}, []string{"1"}, 1, ""},
			{"short row", "date,amount\n2024-05-01\n", CSVMapping{Date: "date", Amount: "amount"}, nil, 1, ""},
			{"missing column", "date,importe\n2024-05-01,1\n", CSVMapping{Date: "date", Amount: "amount"}, nil, 0, "csv_mapping.amount"},
			{"empty", "", CSVMapping{Date: "date", Amount: "amount"}, nil, 0, "file"},
			{"too few lines", "x\n", CSVMapping{SkipRows: 5, Date: "date", Amount: "amount"}, nil, 0, "csv_mapping.skip_rows"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				require.NoError(t, tc.m.Validate())
				p, err := parseCSV([]byte(tc.data), tc.m)
				if tc.badCSV != "" {
					var be *errBadCSV
					require.ErrorAs(t, err, &be)
					require.Equal(t, tc.badCSV, be.field)
					return
				}
				require.NoError(t, err)
				var got []string
				for _, l := range p.lines {
					got = append(got, l.amount.String())
				}
				require.Equal(t, tc.amounts, got)
				require.Len(t, p.rejections, tc.rejects)
			})
		}
	})
	t.Run("latin-1 text is kept", func(t *testing.T) {
		m := CSVMapping{Date: "fecha", Amount: "importe", Description: "concepto"}
		require.NoError(t, m.Validate())
		p, err := parseCSV([]byte("fecha,importe,concepto\n2024-05-01,4,DEP\xd3SITO\n"), m)
		require.NoError(t, err)
		require.Equal(t, "DEPÓSITO", p.lines[0].description)
	})
}

func TestParseOFX(t *testing.T) {
	t.Parallel()
	t.Run("1.x SGML", func(t *testing.T) {
		t.Parallel()
		p, err := parseOFX(readTestdata(t, "statement_1x.ofx"))
		require.NoError(t, err)
		require.Equal(t, "MXN", p.currency)
		require.Equal(t, "0123456789", p.accountID)
		require.Len(t, p.lines, 3)
		require.Equal(t, line{row: 1, postedOn: day("2024-05-03"), amount: p.lines[0].amount,
			description: "SPEI RECIBIDO URE180429TM6 PAGO FACTURA T-1", fitid: "202405030001"}, p.lines[0])
		require.Equal(t, "116", p.lines[0].amount.String())
		require.Equal(t, "-1250.5", p.lines[1].amount.String())
		require.Equal(t, "PAGO PROVEEDOR & CIA", p.lines[1].description)
		require.Equal(t, []Rejection{{Row: 4, Field: "DTPOSTED", Reason: `DTPOSTED "20240532" is not a real date`}}, p.rejections)
	})
	t.Run("2.x XML", func(t *testing.T) {
		t.Parallel()
		p, err := parseOFX(readTestdata(t, "statement_2x.ofx"))
		require.NoError(t, err)
		require.Equal(t, "MXN", p.currency)
		require.Len(t, p.lines, 2)
		require.Equal(t, "202405050003", p.lines[0].fitid)
		l := p.lines[1]
		require.Equal(t, day("2024-06-07"), l.postedOn)
		require.Equal(t, "2320", l.amount.String())
		require.Equal(t, "DEPOSITO <CLIENTE> URE180429TM6", l.description)
		require.Equal(t, "884512", l.reference)
		require.Len(t, p.rejections, 1)
		require.Equal(t, "TRNAMT", p.rejections[0].Field)
	})

	t.Run("2.x with CDATA (Suncorp)", func(t *testing.T) {
		t.Parallel()
		p, err := parseOFX(readTestdata(t, "statement_suncorp_2x.ofx"))
		require.NoError(t, err)
		require.Equal(t, "AUD", p.currency)
		require.Equal(t, "123456789", p.accountID)
		require.Empty(t, p.rejections)
		require.Len(t, p.lines, 3)
		require.Equal(t, line{row: 1, postedOn: day("2024-06-03"), amount: p.lines[0].amount, fitid: "20240603.1",
			description: "EFTPOS PURCHASE COLES 0459 EFTPOS PURCHASE COLES 0459 BRISBANE QLD AUS Card 9999"}, p.lines[0])
		require.Equal(t, "-42.5", p.lines[0].amount.String())
		require.Equal(t, "DEPOSIT <ACME & SONS> PTY INV 1042 ]]> PAID &amp; THANKS", p.lines[1].description,
			"CDATA is literal: markup and entities inside it are text")
		require.Equal(t, "ACCOUNT FEE JUNE", p.lines[2].description, "an empty CDATA NAME, text and CDATA in one MEMO")
	})
	t.Run("1.x with four-decimal zero-padded amounts (Fidelity)", func(t *testing.T) {
		t.Parallel()
		p, err := parseOFX(readTestdata(t, "statement_fidelity_1x.ofx"))
		require.NoError(t, err)
		require.Equal(t, "USD", p.currency)
		require.Equal(t, "Z12345678", p.accountID)
		require.Empty(t, p.rejections)
		var amounts []string
		for _, l := range p.lines {
			amounts = append(amounts, l.amount.String())
		}
		require.Equal(t, []string{"115.8331", "-20", "2500", "-0.0042"}, amounts)
		require.Equal(t, day("2024-06-03"), p.lines[0].postedOn)
		require.Equal(t, "DIVIDEND RECEIVED FIDELITY GOVERNMENT MONEY MARKET", p.lines[0].description)
	})
	t.Run("investment statement's cash lines (INVBANKTRAN)", func(t *testing.T) {
		t.Parallel()
		p, err := parseOFX([]byte("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS>" +
			"<CURDEF>USD<INVACCTFROM><BROKERID>fidelity.com<ACCTID>X12345678</INVACCTFROM><INVTRANLIST>" +
			"<BUYMF><INVBUY><INVTRAN><FITID>B1<DTTRADE>20240603</INVTRAN><UNITS>+00000000000010.000<UNITPRICE>11.58331" +
			"<TOTAL>-00000000000115.8331<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INVBUY><BUYTYPE>BUY</BUYMF>" +
			"<INVBANKTRAN><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240603000000.000[-5:EST]<TRNAMT>+00000000000115.8331" +
			"<FITID>C1<NAME>TRANSFERRED FROM CORE</STMTTRN><SUBACCTFUND>CASH</INVBANKTRAN>" +
			"</INVTRANLIST></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1></OFX>"))
		require.NoError(t, err)
		require.Empty(t, p.rejections)
		require.Len(t, p.lines, 1, "trades are not bank movements; the cash line is")
		require.Equal(t, "115.8331", p.lines[0].amount.String())
		require.Equal(t, "C1", p.lines[0].fitid)
		require.Equal(t, "X12345678", p.accountID)
	})
	t.Run("comments and CDATA anywhere XML allows them", func(t *testing.T) {
		t.Parallel()
		p, err := parseOFX([]byte(`<?xml version="1.0"?><!-- exported <today> --><?OFX OFXHEADER="200"?><OFX><!-- x -->` +
			`<STMTTRN><![CDATA[ ]]><DTPOSTED><![CDATA[20240101]]></DTPOSTED><TRNAMT>5<!-- c -->.25</TRNAMT>` +
			`<NAME><![CDATA[<!DOCTYPE not-a-declaration>]]></NAME></STMTTRN></OFX>`))
		require.NoError(t, err)
		require.Len(t, p.lines, 1)
		require.Equal(t, "5.25", p.lines[0].amount.String())
		require.Equal(t, "<!DOCTYPE not-a-declaration>", p.lines[0].description)
	})

	bad := []struct {
		name, data, msg string
	}{
		{"doctype after a comment", `<?xml version="1.0"?><!-- x --><!DOCTYPE OFX><OFX></OFX>`, "not allowed"},
		{"unterminated CDATA", "<OFX><STMTTRN><NAME><![CDATA[x</NAME></STMTTRN></OFX>", "unterminated CDATA"},
		{"unterminated comment in a value", "<OFX><STMTTRN><NAME>x<!-- y", "unterminated comment"},
		{"unterminated comment before OFX", "<!-- <OFX>", "unterminated comment"},
		{"marked section", "<OFX><![IGNORE[ x ]]></OFX>", "not allowed"},
		{"not OFX", "fecha,importe\n", "no <OFX> element"},
		{"doctype", `<!DOCTYPE OFX [<!ENTITY x "y">]><OFX></OFX>`, "not allowed"},
		{"entity inside", "<OFX><!ENTITY lol \"lol\"><STMTTRN></STMTTRN></OFX>", "not allowed"},
		{"deep", "<OFX>" + strings.Repeat("<A>", 100), "nested deeper"},
		{"bad tag", "<OFX><STMT TRN>", "not an OFX element name"},
		{"unterminated tag", "<OFX><STMTTRN", "unterminated tag"},
		{"unterminated comment", "<OFX><!-- x", "unterminated comment"},
		{"mixed currencies", "<OFX><CURDEF>MXN<CURDEF>USD</OFX>", "mixes currencies"},
		{"nested transactions", "<OFX><STMTTRN><X><STMTTRN></OFX>", "not closed"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseOFX([]byte(tc.data))
			var oe *ofxError
			require.ErrorAs(t, err, &oe)
			require.Contains(t, oe.Error(), tc.msg)
		})
	}

	t.Run("unclosed SGML ending", func(t *testing.T) {
		t.Parallel()
		p, err := parseOFX([]byte("OFXHEADER:100\n\n<OFX><STMTTRN><DTPOSTED>20240101<TRNAMT>5<FITID>A"))
		require.NoError(t, err)
		require.Len(t, p.lines, 1)
		require.Equal(t, "A", p.lines[0].fitid)
	})
	t.Run("entities", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, `a&b<c>"d'e Ñ &x; &`, decodeEntities(`a&amp;b&lt;c&gt;&quot;d&apos;e &#209; &x; &`))
		require.Equal(t, "é", decodeEntities("&#xE9;"))
		require.Equal(t, "&#0;", decodeEntities("&#0;"))
	})
	t.Run("sniffing", func(t *testing.T) {
		t.Parallel()
		require.True(t, looksLikeOFX(readTestdata(t, "statement_1x.ofx")))
		require.True(t, looksLikeOFX(readTestdata(t, "statement_2x.ofx")))
		require.False(t, looksLikeOFX(readTestdata(t, "statement.csv")))
	})
}

// FuzzParseOFX checks that no input makes the OFX parser panic or hang, and
// that what it accepts is coherent.
func FuzzParseOFX(f *testing.F) {
	f.Add(readTestdata(f, "statement_1x.ofx"))
	f.Add(readTestdata(f, "statement_2x.ofx"))
	f.Add([]byte(`<!DOCTYPE OFX [<!ENTITY x "y">]><OFX></OFX>`))
	f.Add([]byte("<OFX><STMTTRN><DTPOSTED>20240101<TRNAMT>5<FITID>A"))
	f.Add([]byte("<OFX>" + strings.Repeat("<A>", 40)))
	f.Add(readTestdata(f, "statement_suncorp_2x.ofx"))
	f.Add(readTestdata(f, "statement_fidelity_1x.ofx"))
	f.Add([]byte("<OFX><STMTTRN><NAME><![CDATA[a]]]]><![CDATA[>]]><DTPOSTED>20240101<TRNAMT>+0001.0001"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseOFX(data)
		if err != nil {
			var oe *ofxError
			require.ErrorAs(t, err, &oe)
			return
		}
		for _, l := range p.lines {
			require.False(t, l.amount.IsZero())
			require.True(t, validDate(l.postedOn))
			require.True(t, l.amount.Equal(l.amount.Round(maxAmountDecimals)))
		}
	})
}

// FuzzParseCSV checks the CSV reader the same way.
func FuzzParseCSV(f *testing.F) {
	f.Add(readTestdata(f, "statement.csv"))
	f.Add(readTestdata(f, "statement_overlap.csv"))
	f.Add([]byte("Fecha;Concepto;Referencia;Cargo;Abono\n\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseCSV(data, bankMapping())
		if err != nil {
			var be *errBadCSV
			require.ErrorAs(t, err, &be)
			return
		}
		for _, l := range p.lines {
			require.False(t, l.amount.IsZero())
			require.True(t, validDate(l.postedOn))
		}
	})
}
