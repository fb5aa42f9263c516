package wire

// SizeBound exposes sizeBound to the external tests.
var SizeBound = sizeBound
