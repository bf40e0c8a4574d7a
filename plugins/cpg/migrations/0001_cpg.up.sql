-- CPG retail vertical: catalog, locations and the inventory ledger, point of
-- sale, consignment and purchases. Every table carries company_id and id
-- (primary key (company_id, id)); foreign keys include company_id so each
-- company's rows only ever reference its own. Row-level security is enabled
-- by the host's migrator on every table with a company_id.
--
-- Quantities, prices and unit costs are numeric(18,6); document amounts are
-- numeric(18,2) (the currency's minor unit). The plugin validates precision
-- before writing, so PostgreSQL never rounds silently.

CREATE TABLE locations (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    name_key    text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('store', 'warehouse', 'consignee')),
    customer_id uuid,
    is_default  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, name_key)
);

CREATE TABLE customers (
    company_id    uuid NOT NULL,
    id            uuid NOT NULL,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    tax_id        text,
    email         text,
    location_id   uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, location_id) REFERENCES locations (company_id, id)
);
CREATE INDEX customers_name_idx ON customers (company_id, name, id);

ALTER TABLE locations ADD FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, id)
    DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE products (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    search_name text COLLATE "C" NOT NULL,
    tax_code    text NOT NULL,
    attributes  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id)
);
CREATE INDEX products_search_idx ON products (company_id, search_name, id);
CREATE INDEX products_attributes_idx ON products USING gin (attributes jsonb_path_ops);

CREATE TABLE variants (
    company_id    uuid NOT NULL,
    id            uuid NOT NULL,
    product_id    uuid NOT NULL,
    sku           text COLLATE "C" NOT NULL CHECK (length(sku) BETWEEN 1 AND 64),
    barcode       text COLLATE "C",
    size          text,
    color         text,
    price         numeric(18, 6) NOT NULL CHECK (price >= 0),
    cost          numeric(18, 6) NOT NULL CHECK (cost >= 0),
    reorder_point numeric(18, 6) NOT NULL DEFAULT 0 CHECK (reorder_point >= 0),
    version       bigint NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, product_id) REFERENCES products (company_id, id)
);
CREATE UNIQUE INDEX variants_sku_key ON variants (company_id, sku);
CREATE UNIQUE INDEX variants_barcode_key ON variants (company_id, barcode) WHERE barcode IS NOT NULL;
CREATE INDEX variants_product_idx ON variants (company_id, product_id, sku);

-- On-hand per (variant, location), changed only together with a movement.
CREATE TABLE stock (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    variant_id  uuid NOT NULL,
    location_id uuid NOT NULL,
    on_hand     numeric(18, 6) NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, variant_id, location_id),
    FOREIGN KEY (company_id, variant_id) REFERENCES variants (company_id, id),
    FOREIGN KEY (company_id, location_id) REFERENCES locations (company_id, id)
);
CREATE INDEX stock_location_idx ON stock (company_id, location_id, variant_id);

-- The append-only ledger. ref_type/ref_id name the document that caused the
-- movement (sale, return, adjustment, transfer, consignment, receipt).
CREATE TABLE stock_movements (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL,
    variant_id  uuid NOT NULL,
    location_id uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('receipt', 'sale', 'void', 'return', 'adjustment',
                                              'transfer_out', 'transfer_in',
                                              'consign_out', 'consign_sold', 'consign_return')),
    quantity    numeric(18, 6) NOT NULL CHECK (quantity <> 0),
    unit_cost   numeric(18, 6) NOT NULL DEFAULT 0,
    ref_type    text NOT NULL,
    ref_id      uuid NOT NULL,
    reason      text,
    user_id     uuid,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, variant_id) REFERENCES variants (company_id, id),
    FOREIGN KEY (company_id, location_id) REFERENCES locations (company_id, id)
);
-- The history is read newest first, whole or per variant or per location.
CREATE INDEX stock_movements_time_idx ON stock_movements (company_id, occurred_at, id);
CREATE INDEX stock_movements_variant_idx ON stock_movements (company_id, variant_id, occurred_at, id);
CREATE INDEX stock_movements_location_idx ON stock_movements (company_id, location_id, occurred_at, id);
CREATE INDEX stock_movements_ref_idx ON stock_movements (company_id, ref_id);

CREATE TABLE stock_adjustments (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL,
    location_id uuid NOT NULL,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    note        text,
    user_id     uuid,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, location_id) REFERENCES locations (company_id, id)
);

CREATE TABLE stock_transfers (
    company_id       uuid NOT NULL,
    id               uuid NOT NULL,
    from_location_id uuid NOT NULL,
    to_location_id   uuid NOT NULL CHECK (to_location_id <> from_location_id),
    note             text,
    user_id          uuid,
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, from_location_id) REFERENCES locations (company_id, id),
    FOREIGN KEY (company_id, to_location_id) REFERENCES locations (company_id, id)
);

CREATE TABLE registers (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL,
    location_id uuid NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, location_id, name),
    FOREIGN KEY (company_id, location_id) REFERENCES locations (company_id, id)
);

-- status is guarded by the host's state machine (open -> closed).
CREATE TABLE cash_sessions (
    company_id         uuid NOT NULL,
    id                 uuid NOT NULL,
    register_id        uuid NOT NULL,
    location_id        uuid NOT NULL,
    status             text NOT NULL,
    opening_float      numeric(18, 2) NOT NULL CHECK (opening_float >= 0),
    opened_by          uuid,
    opened_at          timestamptz NOT NULL DEFAULT now(),
    closed_by          uuid,
    closed_at          timestamptz,
    expected_total     numeric(18, 2),
    counted_total      numeric(18, 2),
    difference_total   numeric(18, 2),
    version            bigint NOT NULL DEFAULT 1,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, register_id) REFERENCES registers (company_id, id),
    FOREIGN KEY (company_id, location_id) REFERENCES locations (company_id, id)
);
CREATE UNIQUE INDEX cash_sessions_one_open ON cash_sessions (company_id, register_id) WHERE status = 'open';
CREATE INDEX cash_sessions_opened_idx ON cash_sessions (company_id, opened_at);

CREATE TABLE cash_session_counts (
    company_id uuid NOT NULL,
    id         uuid NOT NULL,
    session_id uuid NOT NULL,
    method     text NOT NULL,
    expected   numeric(18, 2) NOT NULL,
    counted    numeric(18, 2) NOT NULL,
    difference numeric(18, 2) NOT NULL,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, session_id, method),
    FOREIGN KEY (company_id, session_id) REFERENCES cash_sessions (company_id, id)
);

-- status is guarded by the host's state machine (completed -> voided,
-- partially_returned, returned).
CREATE TABLE sales (
    company_id         uuid NOT NULL,
    id                 uuid NOT NULL,
    session_id         uuid NOT NULL,
    register_id        uuid NOT NULL,
    location_id        uuid NOT NULL,
    user_id            uuid,
    cashier_email      text,
    customer_id        uuid,
    customer_name      text,
    customer_tax_id    text,
    status             text NOT NULL,
    currency           text NOT NULL,
    prices_include_tax boolean NOT NULL,
    subtotal           numeric(18, 2) NOT NULL,
    discount           numeric(18, 2) NOT NULL,
    net                numeric(18, 2) NOT NULL,
    tax                numeric(18, 2) NOT NULL,
    total              numeric(18, 2) NOT NULL,
    paid               numeric(18, 2) NOT NULL,
    change             numeric(18, 2) NOT NULL,
    refunded           numeric(18, 2) NOT NULL DEFAULT 0,
    occurred_at        timestamptz NOT NULL,
    version            bigint NOT NULL DEFAULT 1,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, session_id) REFERENCES cash_sessions (company_id, id),
    FOREIGN KEY (company_id, register_id) REFERENCES registers (company_id, id),
    FOREIGN KEY (company_id, location_id) REFERENCES locations (company_id, id),
    FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, id)
);
CREATE INDEX sales_time_idx ON sales (company_id, occurred_at, id);
CREATE INDEX sales_session_idx ON sales (company_id, session_id, id);

CREATE TABLE sale_lines (
    company_id        uuid NOT NULL,
    id                uuid NOT NULL,
    sale_id           uuid NOT NULL,
    line_no           int NOT NULL,
    variant_id        uuid NOT NULL,
    product_id        uuid NOT NULL,
    sku               text NOT NULL,
    description       text NOT NULL,
    quantity          numeric(18, 6) NOT NULL CHECK (quantity > 0),
    list_price        numeric(18, 6) NOT NULL,
    unit_price        numeric(18, 6) NOT NULL,
    unit_cost         numeric(18, 6) NOT NULL,
    tax_code          text NOT NULL,
    tax_rate          numeric(9, 6) NOT NULL,
    gross             numeric(18, 2) NOT NULL,
    line_discount     numeric(18, 2) NOT NULL,
    document_discount numeric(18, 2) NOT NULL,
    net               numeric(18, 2) NOT NULL,
    tax               numeric(18, 2) NOT NULL,
    total             numeric(18, 2) NOT NULL,
    returned_quantity numeric(18, 6) NOT NULL DEFAULT 0 CHECK (returned_quantity >= 0 AND returned_quantity <= quantity),
    refunded_net      numeric(18, 2) NOT NULL DEFAULT 0,
    refunded_tax      numeric(18, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, sale_id, line_no),
    FOREIGN KEY (company_id, sale_id) REFERENCES sales (company_id, id),
    FOREIGN KEY (company_id, variant_id) REFERENCES variants (company_id, id)
);
CREATE INDEX sale_lines_variant_idx ON sale_lines (company_id, variant_id);

-- Payments of sales (amount tendered and the change given back from it) and
-- refunds of returns (negative amounts), each in the cash session that
-- received or paid them: the session's expected amounts are their sums.
CREATE TABLE payments (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL,
    session_id  uuid,
    sale_id     uuid NOT NULL,
    return_id   uuid,
    line_no     int NOT NULL,
    method      text NOT NULL CHECK (method IN ('cash', 'card', 'transfer', 'mercadopago')),
    amount      numeric(18, 2) NOT NULL,
    change      numeric(18, 2) NOT NULL DEFAULT 0 CHECK (change >= 0),
    reference   text,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, session_id) REFERENCES cash_sessions (company_id, id),
    FOREIGN KEY (company_id, sale_id) REFERENCES sales (company_id, id)
);
CREATE INDEX payments_session_idx ON payments (company_id, session_id);
CREATE INDEX payments_sale_idx ON payments (company_id, sale_id);

CREATE TABLE returns (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL,
    sale_id     uuid NOT NULL,
    session_id  uuid,
    location_id uuid NOT NULL,
    reason      text,
    net         numeric(18, 2) NOT NULL,
    tax         numeric(18, 2) NOT NULL,
    total       numeric(18, 2) NOT NULL,
    user_id     uuid,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, sale_id) REFERENCES sales (company_id, id),
    FOREIGN KEY (company_id, session_id) REFERENCES cash_sessions (company_id, id),
    FOREIGN KEY (company_id, location_id) REFERENCES locations (company_id, id)
);
CREATE INDEX returns_sale_idx ON returns (company_id, sale_id);
CREATE INDEX returns_time_idx ON returns (company_id, occurred_at);

CREATE TABLE return_lines (
    company_id   uuid NOT NULL,
    id           uuid NOT NULL,
    return_id    uuid NOT NULL,
    sale_line_id uuid NOT NULL,
    variant_id   uuid NOT NULL,
    quantity     numeric(18, 6) NOT NULL CHECK (quantity > 0),
    net          numeric(18, 2) NOT NULL,
    tax          numeric(18, 2) NOT NULL,
    total        numeric(18, 2) NOT NULL,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, return_id) REFERENCES returns (company_id, id),
    FOREIGN KEY (company_id, sale_line_id) REFERENCES sale_lines (company_id, id)
);
CREATE INDEX return_lines_return_idx ON return_lines (company_id, return_id);

-- status: draft -> sent -> partially_settled -> settled; draft/sent -> cancelled.
CREATE TABLE consignments (
    company_id         uuid NOT NULL,
    id                 uuid NOT NULL,
    customer_id        uuid NOT NULL,
    source_location_id uuid NOT NULL,
    location_id        uuid NOT NULL,
    status             text NOT NULL,
    currency           text NOT NULL,
    note               text,
    value_at_price     numeric(18, 2) NOT NULL DEFAULT 0,
    value_at_cost      numeric(18, 2) NOT NULL DEFAULT 0,
    sold_total         numeric(18, 2) NOT NULL DEFAULT 0,
    settled_total      numeric(18, 2) NOT NULL DEFAULT 0,
    created_by         uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    sent_at            timestamptz,
    version            bigint NOT NULL DEFAULT 1,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, id),
    FOREIGN KEY (company_id, source_location_id) REFERENCES locations (company_id, id),
    FOREIGN KEY (company_id, location_id) REFERENCES locations (company_id, id)
);
CREATE INDEX consignments_created_idx ON consignments (company_id, created_at, id);

CREATE TABLE consignment_lines (
    company_id        uuid NOT NULL,
    id                uuid NOT NULL,
    consignment_id    uuid NOT NULL,
    line_no           int NOT NULL,
    variant_id        uuid NOT NULL,
    quantity          numeric(18, 6) NOT NULL CHECK (quantity > 0),
    unit_price        numeric(18, 6) NOT NULL CHECK (unit_price >= 0),
    unit_cost         numeric(18, 6) NOT NULL DEFAULT 0,
    tax_code          text NOT NULL,
    sold_quantity     numeric(18, 6) NOT NULL DEFAULT 0,
    returned_quantity numeric(18, 6) NOT NULL DEFAULT 0,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, consignment_id, variant_id),
    CHECK (sold_quantity >= 0 AND returned_quantity >= 0 AND sold_quantity + returned_quantity <= quantity),
    FOREIGN KEY (company_id, consignment_id) REFERENCES consignments (company_id, id),
    FOREIGN KEY (company_id, variant_id) REFERENCES variants (company_id, id)
);

-- Consignee sales reports (what the consignee sold: the amount owed) and
-- settlements (what the consignee paid).
CREATE TABLE consignment_reports (
    company_id     uuid NOT NULL,
    id             uuid NOT NULL,
    consignment_id uuid NOT NULL,
    net            numeric(18, 2) NOT NULL,
    tax            numeric(18, 2) NOT NULL,
    total          numeric(18, 2) NOT NULL,
    lines          jsonb NOT NULL,
    user_id        uuid,
    occurred_at    timestamptz NOT NULL,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, consignment_id) REFERENCES consignments (company_id, id)
);
CREATE INDEX consignment_reports_idx ON consignment_reports (company_id, consignment_id);

CREATE TABLE consignment_settlements (
    company_id     uuid NOT NULL,
    id             uuid NOT NULL,
    consignment_id uuid NOT NULL,
    amount         numeric(18, 2) NOT NULL CHECK (amount > 0),
    method         text NOT NULL CHECK (method IN ('cash', 'card', 'transfer', 'mercadopago')),
    reference      text,
    user_id        uuid,
    occurred_at    timestamptz NOT NULL,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, consignment_id) REFERENCES consignments (company_id, id)
);
CREATE INDEX consignment_settlements_idx ON consignment_settlements (company_id, consignment_id);

CREATE TABLE suppliers (
    company_id uuid NOT NULL,
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    tax_id     text,
    email      text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id)
);
CREATE INDEX suppliers_name_idx ON suppliers (company_id, name, id);

-- status: draft -> ordered -> partially_received -> received; draft/ordered -> cancelled.
CREATE TABLE purchase_orders (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL,
    supplier_id uuid NOT NULL,
    location_id uuid NOT NULL,
    status      text NOT NULL,
    currency    text NOT NULL,
    note        text,
    total_cost  numeric(18, 2) NOT NULL,
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    version     bigint NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, supplier_id) REFERENCES suppliers (company_id, id),
    FOREIGN KEY (company_id, location_id) REFERENCES locations (company_id, id)
);
CREATE INDEX purchase_orders_created_idx ON purchase_orders (company_id, created_at, id);

CREATE TABLE purchase_order_lines (
    company_id        uuid NOT NULL,
    id                uuid NOT NULL,
    purchase_order_id uuid NOT NULL,
    line_no           int NOT NULL,
    variant_id        uuid NOT NULL,
    quantity          numeric(18, 6) NOT NULL CHECK (quantity > 0),
    unit_cost         numeric(18, 6) NOT NULL CHECK (unit_cost >= 0),
    received_quantity numeric(18, 6) NOT NULL DEFAULT 0 CHECK (received_quantity >= 0 AND received_quantity <= quantity),
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, purchase_order_id, variant_id),
    FOREIGN KEY (company_id, purchase_order_id) REFERENCES purchase_orders (company_id, id),
    FOREIGN KEY (company_id, variant_id) REFERENCES variants (company_id, id)
);

CREATE TABLE purchase_receipts (
    company_id        uuid NOT NULL,
    id                uuid NOT NULL,
    purchase_order_id uuid NOT NULL,
    location_id       uuid NOT NULL,
    lines             jsonb NOT NULL,
    user_id           uuid,
    occurred_at       timestamptz NOT NULL,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, purchase_order_id) REFERENCES purchase_orders (company_id, id),
    FOREIGN KEY (company_id, location_id) REFERENCES locations (company_id, id)
);
CREATE INDEX purchase_receipts_idx ON purchase_receipts (company_id, purchase_order_id);
