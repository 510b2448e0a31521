/**
 * YCSB bindings for kvkit.
 *
 * <p>{@link io.kvkit.ycsb.RecordStoreDB} is the one YCSB {@code DB} implementation: it maps
 * YCSB's read, scan, insert, update and delete onto a {@link io.kvkit.ycsb.RecordStore} and
 * stores each record as one value ({@link io.kvkit.ycsb.RecordCodec}). A binding is a subclass
 * that opens its store: {@link io.kvkit.ycsb.KvkitEmbeddedDB} opens any kvkit engine by name;
 * {@link io.kvkit.ycsb.KvkitRemoteDB} reaches a kvkit cluster through kv-client
 * ({@link io.kvkit.ycsb.ClientRecordStore}); the benchmark peers (RocksDB, LMDB, in kv-bench) add
 * one store class and one subclass each.
 */
package io.kvkit.ycsb;
