DROP TABLE IF EXISTS purchase_receipts, purchase_order_lines, purchase_orders, suppliers,
    consignment_settlements, consignment_reports, consignment_lines, consignments,
    return_lines, returns, payments, sale_lines, sales, cash_session_counts, cash_sessions, registers,
    stock_transfers, stock_adjustments, stock_movements, stock, variants, products, customers, locations CASCADE;
