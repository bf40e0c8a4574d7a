DROP TABLE cfdi_folios;
