//! liblzf-compatible LZF compression (work in progress): `compress.rs` and `decompress.rs`.
