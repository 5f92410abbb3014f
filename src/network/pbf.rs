//! Reading the walking network from an OpenStreetMap `.osm.pbf` file.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use osmpbf::{BlobDecode, BlobReader, PrimitiveBlock};
use rayon::prelude::*;

use super::error::NetworkError;
use super::graph::WalkNetwork;
use super::tags::is_walkable;
use crate::frame::LocalFrame;

/// Largest plausible PBF blob header (the format limit is 64 KiB).
const MAX_BLOB_HEADER: u64 = 64 * 1024;
/// Largest plausible PBF blob body (the format limit is 32 MiB).
const MAX_BLOB_BODY: u64 = 32 * 1024 * 1024;

/// Reads the walkable street network of an OpenStreetMap `.osm.pbf` file.
///
/// Walkable ways are selected with [`super::is_walkable`]; each pair of consecutive way nodes
/// becomes one segment in the local frame given by `frame` (lengths in true metres to the
/// frame's accuracy). Only nodes used by walkable ways are kept. A way node reference whose node
/// is not in the file is counted in [`super::NetworkStats::missing_node_refs`] and the way is
/// split there (no segment is invented across the gap).
///
/// The file is read in two passes (ways, then the nodes they need), decoding blocks in parallel;
/// memory stays proportional to the walkable ways and their nodes.
///
/// # Errors
/// [`NetworkError::Io`] when the file cannot be opened or read, [`NetworkError::NotPbf`] when it
/// is not a complete PBF file, [`NetworkError::NoWalkable`] when it has no walkable way and
/// [`NetworkError::MissingNodes`] when the walkable ways have no nodes in the file.
pub fn read_pbf(path: &Path, frame: &dyn LocalFrame) -> Result<WalkNetwork, NetworkError> {
    crate::error::guard_with(
        path,
        || read(path, frame),
        |path, reason| NetworkError::Internal { path, reason },
    )
}

fn read(path: &Path, frame: &dyn LocalFrame) -> Result<WalkNetwork, NetworkError> {
    check_framing(path)?;

    // Pass 1: the node lists of walkable ways, kept in file order for deterministic edge ids.
    let mut chunks: Vec<(usize, WayChunk)> = decode_blocks(path, |block| {
        let mut chunk = WayChunk::default();
        for group in block.groups() {
            for way in group.ways() {
                if is_walkable(way.tags()) {
                    chunk.refs.extend(way.refs());
                    chunk.ends.push(chunk.refs.len());
                }
            }
        }
        chunk
    })?;
    chunks.sort_by_key(|(i, _)| *i);
    let walkable_ways: usize = chunks.iter().map(|(_, c)| c.ends.len()).sum();
    if walkable_ways == 0 {
        return Err(NetworkError::NoWalkable {
            path: path.to_path_buf(),
        });
    }

    // The ids of every referenced node, sorted, for binary search.
    let mut ids: Vec<i64> = chunks
        .iter()
        .flat_map(|(_, c)| c.refs.iter().copied())
        .collect();
    ids.par_sort_unstable();
    ids.dedup();

    // Pass 2: coordinates of the referenced nodes.
    let found: Vec<(usize, Vec<FoundNode>)> = decode_blocks(path, |block| {
        let mut out = Vec::new();
        let mut keep = |id: i64, lon: f64, lat: f64| {
            if let Ok(i) = ids.binary_search(&id) {
                out.push((i as u32, [lon, lat]));
            }
        };
        for group in block.groups() {
            for n in group.dense_nodes() {
                keep(n.id(), n.lon(), n.lat());
            }
            for n in group.nodes() {
                keep(n.id(), n.lon(), n.lat());
            }
        }
        out
    })?;
    let mut lonlat = vec![[f64::NAN; 2]; ids.len()];
    for (_, list) in &found {
        for &(i, p) in list {
            lonlat[i as usize] = p;
        }
    }
    drop(found);

    // Segments between consecutive present nodes; a missing node splits the way.
    let mut missing_node_refs = 0u64;
    let mut raw_edges: Vec<(u32, u32)> = Vec::new();
    for (_, chunk) in &chunks {
        let mut start = 0;
        for &end in &chunk.ends {
            let mut prev: Option<u32> = None;
            for &id in &chunk.refs[start..end] {
                let Ok(i) = ids.binary_search(&id) else {
                    continue; // cannot happen: `ids` holds every reference
                };
                let i = i as u32;
                if lonlat[i as usize][0].is_nan() {
                    missing_node_refs += 1;
                    prev = None;
                    continue;
                }
                if let Some(p) = prev.filter(|&p| p != i) {
                    raw_edges.push((p, i));
                }
                prev = Some(i);
            }
            start = end;
        }
    }
    let refs: usize = chunks.iter().map(|(_, c)| c.refs.len()).sum();
    drop(chunks);
    if raw_edges.is_empty() && missing_node_refs < refs as u64 {
        return Err(NetworkError::NoSegments {
            path: path.to_path_buf(),
            walkable_ways: walkable_ways as u64,
            missing_node_refs,
        });
    }
    if raw_edges.is_empty() {
        return Err(NetworkError::MissingNodes {
            path: path.to_path_buf(),
            walkable_ways: walkable_ways as u64,
            missing_node_refs,
        });
    }

    // Keep only nodes used by a segment, renumbered in id order.
    let mut new_id = vec![u32::MAX; ids.len()];
    for &(a, b) in &raw_edges {
        new_id[a as usize] = 0;
        new_id[b as usize] = 0;
    }
    let mut nodes = Vec::new();
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for (i, slot) in new_id.iter_mut().enumerate() {
        if *slot == 0 {
            *slot = nodes.len() as u32;
            let [lon, lat] = lonlat[i];
            bbox = [
                bbox[0].min(lon),
                bbox[1].min(lat),
                bbox[2].max(lon),
                bbox[3].max(lat),
            ];
            nodes.push([lon, lat]);
        }
    }
    let nodes: Vec<[f64; 2]> = nodes
        .par_iter()
        .map(|&[lon, lat]| frame.to_local(lon, lat))
        .collect();
    let edges = raw_edges
        .into_iter()
        .map(|(a, b)| (new_id[a as usize], new_id[b as usize]))
        .collect();
    let mut network =
        WalkNetwork::from_segments_measured(nodes, edges, &|a, b| frame.distance(a, b));
    network.missing_node_refs = missing_node_refs;
    network.bbox_lonlat = Some(bbox);
    Ok(network)
}

/// A referenced node found in the file: its position in the sorted id list and `[lon, lat]`.
type FoundNode = (u32, [f64; 2]);

/// Walkable ways of one block: concatenated node references and each way's end offset.
#[derive(Default)]
struct WayChunk {
    refs: Vec<i64>,
    ends: Vec<usize>,
}

/// Decodes every data block of the file in parallel and applies `map` to it; returns the results
/// tagged with the block's position in the file.
fn decode_blocks<T, F>(path: &Path, map: F) -> Result<Vec<(usize, T)>, NetworkError>
where
    T: Send,
    F: Fn(&PrimitiveBlock) -> T + Sync + Send,
{
    let reader = BlobReader::from_path(path).map_err(|e| pbf_error(path, e))?;
    reader
        .enumerate()
        .par_bridge()
        .filter_map(|(i, blob)| {
            let decoded = blob.and_then(|b| match b.decode()? {
                BlobDecode::OsmData(block) => Ok(Some(map(&block))),
                BlobDecode::OsmHeader(_) | BlobDecode::Unknown(_) => Ok(None),
            });
            match decoded {
                Ok(Some(v)) => Some(Ok((i, v))),
                Ok(None) => None,
                Err(e) => Some(Err(pbf_error(path, e))),
            }
        })
        .collect()
}

/// Maps an `osmpbf` error to [`NetworkError`].
fn pbf_error(path: &Path, e: osmpbf::Error) -> NetworkError {
    match e.into_kind() {
        osmpbf::ErrorKind::Io(source) if source.kind() != std::io::ErrorKind::UnexpectedEof => {
            NetworkError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
        kind => NetworkError::NotPbf {
            path: path.to_path_buf(),
            reason: format!("{:?}", kind),
        },
    }
}

/// Checks the PBF block framing of the whole file without decoding any block: every block header
/// must be complete and plausible, the first block must be an `OSMHeader` block and the last block
/// must end exactly at the end of the file. This catches non-PBF files and files truncated
/// anywhere except exactly between two blocks (which the format cannot detect).
fn check_framing(path: &Path) -> Result<(), NetworkError> {
    let io_error = |source| NetworkError::Io {
        path: path.to_path_buf(),
        source,
    };
    let not_pbf = |reason: String| NetworkError::NotPbf {
        path: path.to_path_buf(),
        reason,
    };
    let file = File::open(path).map_err(io_error)?;
    let len = file.metadata().map_err(io_error)?.len();
    if len == 0 {
        return Err(not_pbf("the file is empty".into()));
    }
    let mut reader = BufReader::new(file);
    let mut pos = 0u64;
    let mut blocks = 0u64;
    while pos < len {
        if len - pos < 4 {
            return Err(not_pbf(format!(
                "the file ends inside the length of block {} (truncated at {len} bytes)",
                blocks + 1
            )));
        }
        let mut size = [0u8; 4];
        reader.read_exact(&mut size).map_err(io_error)?;
        let header_len = u64::from(u32::from_be_bytes(size));
        if header_len == 0 || header_len > MAX_BLOB_HEADER {
            return Err(not_pbf(format!(
                "block {} declares a header of {header_len} bytes, which no PBF file has",
                blocks + 1
            )));
        }
        if pos + 4 + header_len > len {
            return Err(not_pbf(format!(
                "the file ends inside the header of block {} (truncated at {len} bytes)",
                blocks + 1
            )));
        }
        let mut header = vec![0u8; header_len as usize];
        reader.read_exact(&mut header).map_err(io_error)?;
        let (kind, data_len) = parse_blob_header(&header)
            .ok_or_else(|| not_pbf(format!("block {} has an unreadable header", blocks + 1)))?;
        if blocks == 0 && kind != b"OSMHeader" {
            return Err(not_pbf(
                "the first block is not an OSMHeader block".to_string(),
            ));
        }
        if data_len > MAX_BLOB_BODY {
            return Err(not_pbf(format!(
                "block {} declares {data_len} bytes of data, more than a PBF block may hold",
                blocks + 1
            )));
        }
        pos += 4 + header_len + data_len;
        if pos > len {
            return Err(not_pbf(format!(
                "the file ends inside block {} (truncated: {len} bytes, at least {pos} expected)",
                blocks + 1
            )));
        }
        reader.seek(SeekFrom::Start(pos)).map_err(io_error)?;
        blocks += 1;
    }
    Ok(())
}

/// Parses a `BlobHeader` protobuf message: returns its `type` (field 1) and `datasize` (field 3).
fn parse_blob_header(mut buf: &[u8]) -> Option<(&[u8], u64)> {
    let mut kind = None;
    let mut data_len = None;
    while !buf.is_empty() {
        let key = read_varint(&mut buf)?;
        match (key >> 3, key & 7) {
            (field, 0) => {
                let v = read_varint(&mut buf)?;
                if field == 3 {
                    data_len = Some(v);
                }
            }
            (field, 2) => {
                let n = usize::try_from(read_varint(&mut buf)?).ok()?;
                if n > buf.len() {
                    return None;
                }
                let (bytes, rest) = buf.split_at(n);
                if field == 1 {
                    kind = Some(bytes);
                }
                buf = rest;
            }
            _ => return None,
        }
    }
    Some((kind?, data_len?))
}

/// Reads one protobuf base-128 varint.
fn read_varint(buf: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf.split_first()?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_header_parsing() {
        // type = "OSMData" (field 1, wire type 2), datasize = 300 (field 3, varint 0xac 0x02).
        let mut h = vec![0x0a, 7];
        h.extend_from_slice(b"OSMData");
        h.extend_from_slice(&[0x18, 0xac, 0x02]);
        assert_eq!(parse_blob_header(&h), Some((&b"OSMData"[..], 300)));
        assert_eq!(parse_blob_header(&h[..h.len() - 1]), None);
        assert_eq!(parse_blob_header(b"hello world"), None);
    }
}
