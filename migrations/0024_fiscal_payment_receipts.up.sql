-- Payment receipts (sdk/fiscal KindPaymentReceipt): a payment received
-- for invoices issued as deferred (Mexico: a CFDI of type P with the
-- Pagos 2.0 complement). The invoices a receipt pays and the amount paid
-- of each are in its input (payment.documents); the fiscal core sums them
-- per invoice to refuse paying more than its balance and to number the
-- installments, through this index.
ALTER TABLE fiscal_documents DROP CONSTRAINT fiscal_documents_kind_check;
ALTER TABLE fiscal_documents ADD CONSTRAINT fiscal_documents_kind_check
    CHECK (kind IN ('invoice', 'credit_note', 'payment_receipt'));

CREATE INDEX fiscal_documents_paid_idx ON fiscal_documents
    USING gin ((input -> 'payment' -> 'documents') jsonb_path_ops) WHERE kind = 'payment_receipt';
