//! A post-link step for the PolyBench kernels' wasm: constant address
//! offsets folded into the loads and stores that use them.
//!
//! wasm's loads and stores carry an offset immediate that is added to the
//! 32-bit address without wrapping, and wasmtime folds it into the x86
//! addressing mode for free. clang 14 moves a constant `base + C` into that
//! immediate only when it can prove the 32-bit sum does not wrap, which after
//! loop strength reduction it rarely can; the constant then stays in an
//! `i32.add`, and wasmtime materialises every such address with a 32-bit
//! `lea` of its own (jacobi-2d: five per vector iteration, its hottest
//! instructions). This step rewrites
//!
//! ```text
//! i32.const C; i32.add; LOAD offset=O          ->  LOAD offset=O+C
//! i32.const C; i32.add; PUSH; STORE offset=O   ->  PUSH; STORE offset=O+C
//! ```
//!
//! for `C > 0` and `O + C <= bound`, where PUSH is one instruction that only
//! pushes a value (`local.get`, `global.get`, a constant); the vector lane
//! loads and stores, which take an address and a vector, are folded as
//! stores are.
//!
//! Why the result is the same: the two forms differ only when `address + C`
//! wraps past 2^32, and then the original would access an object at an
//! address from O to below O + C, that is below `bound`. The kernels are
//! linked with their data starting at `bound` (`--global-base`), so no object
//! lives there and no valid C pointer arithmetic produces such an address;
//! were one produced anyway, the folded access lands beyond the memory and
//! traps instead of reading the low bytes, so a difference cannot pass
//! unnoticed. An access whose offset O is itself at or above the bound (a
//! global array's address, say) is left alone: there the wrapped address
//! would be a valid one. (This is binaryen's `--low-memory-unused` argument;
//! binaryen 108 fixes its bound at 1,024 bytes, below the row strides the
//! kernels add.)

use anyhow::{Context, Result};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{CodeSection, Encode, Module, RawSection};
use wasmparser::{MemArg, Operator, Parser, Payload};

/// Part of every guest's stamp: raise it when the rewrite changes, so that
/// modules folded the old way are rebuilt.
pub const REVISION: u32 = 3;

/// How many accesses the step rewrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Folded {
    /// Loads, whose one operand is the address.
    pub address_only: usize,
    /// Stores and vector lane loads: an address and a value.
    pub address_then_value: usize,
}

/// `module` with every foldable constant offset folded, and how many were.
/// Sections other than code are copied byte for byte (the name section
/// included, so profiles keep their function names).
pub fn fold_constant_offsets(module: &[u8], bound: u32) -> Result<(Vec<u8>, Folded)> {
    // A fold can make another: in `x; i32.const 160; i32.add; i32.const 32;
    // i32.add; i64.const 0; i64.store`, the store takes the 32 first, and
    // then the 160 is right before a store's value. So passes repeat until
    // one folds nothing.
    let (mut module, mut total) = (module.to_vec(), Folded::default());
    loop {
        let (next, folded) = fold_once(&module, bound)?;
        if folded == Folded::default() {
            return Ok((module, total));
        }
        total.address_only += folded.address_only;
        total.address_then_value += folded.address_then_value;
        module = next;
    }
}

/// One pass over every function body.
fn fold_once(module: &[u8], bound: u32) -> Result<(Vec<u8>, Folded)> {
    let mut output = Module::new();
    let mut code: Option<CodeSection> = None;
    let mut folded = Folded::default();
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload.context("parsing the linked wasm module")?;
        match payload {
            Payload::CodeSectionStart { .. } => code = Some(CodeSection::new()),
            Payload::CodeSectionEntry(body) => {
                let section = code.as_mut().expect("entries follow the section's start");
                section.raw(&fold_body(module, &body, bound, &mut folded)?);
            }
            Payload::Version { .. } | Payload::End(_) => {}
            other => {
                if let Some(section) = code.take() {
                    output.section(&section);
                }
                if let Some((id, range)) = other.as_section() {
                    output.section(&RawSection {
                        id,
                        data: &module[range],
                    });
                }
            }
        }
    }
    if let Some(section) = code.take() {
        output.section(&section);
    }
    Ok((output.finish(), folded))
}

/// One function body (locals and instructions), rewritten.
fn fold_body(
    module: &[u8],
    body: &wasmparser::FunctionBody,
    bound: u32,
    folded: &mut Folded,
) -> Result<Vec<u8>> {
    let mut reader = body.get_operators_reader()?;
    let end = body.range().end;
    // The body is copied as it is, except for the spans rewritten.
    let mut bytes = Vec::with_capacity(body.range().len());
    let mut copied_to = body.range().start;
    // The last four instructions read: (operator, its offset).
    let mut window: Vec<(Operator, usize)> = Vec::with_capacity(4);
    while !reader.eof() {
        let (operator, offset) = reader.read_with_offset()?;
        let next = reader.original_position();
        window.push((operator, offset));
        if window.len() > 4 {
            window.remove(0);
        }
        let Some((start, rewritten, operands)) = foldable(&window, bound) else {
            continue;
        };
        bytes.extend_from_slice(&module[copied_to..start]);
        for operator in rewritten {
            RoundtripReencoder
                .instruction(operator)
                .context("re-encoding a folded access")?
                .encode(&mut bytes);
        }
        copied_to = next;
        window.clear();
        match operands {
            Operands::Address => folded.address_only += 1,
            Operands::AddressThenValue => folded.address_then_value += 1,
        }
    }
    bytes.extend_from_slice(&module[copied_to..end]);
    Ok(bytes)
}

/// When the window ends in a foldable pattern: where it starts, what replaces
/// it, and which kind of access it was.
fn foldable<'a>(
    window: &[(Operator<'a>, usize)],
    bound: u32,
) -> Option<(usize, Vec<Operator<'a>>, Operands)> {
    let constant = |(operator, _): &(Operator, usize)| match operator {
        Operator::I32Const { value } if *value > 0 => Some(*value as u32),
        _ => None,
    };
    let is_add = |(operator, _): &(Operator, usize)| matches!(operator, Operator::I32Add);
    match window {
        [.., c, add, (access, _)] if is_add(add) => {
            let access = with_added_offset(access, constant(c)?, Operands::Address, bound)?;
            Some((c.1, vec![access], Operands::Address))
        }
        [.., c, add, (push, _), (access, _)] if is_add(add) && pushes_only(push) => {
            let access =
                with_added_offset(access, constant(c)?, Operands::AddressThenValue, bound)?;
            Some((c.1, vec![push.clone(), access], Operands::AddressThenValue))
        }
        _ => None,
    }
}

/// An instruction that pushes one value and reads nothing from the stack or
/// memory, so moving an address computation past it changes nothing.
fn pushes_only(operator: &Operator) -> bool {
    matches!(
        operator,
        Operator::LocalGet { .. }
            | Operator::GlobalGet { .. }
            | Operator::I32Const { .. }
            | Operator::I64Const { .. }
            | Operator::F32Const { .. }
            | Operator::F64Const { .. }
            | Operator::V128Const { .. }
    )
}

/// What a memory access takes from the stack.
enum Operands {
    /// Loads: the address.
    Address,
    /// Stores, and the vector lane loads: the address, then a value.
    AddressThenValue,
}

/// `operator` with `extra` added to its offset, when it is an access on the
/// first memory taking `operands`, and the sum is at most `bound` (see the
/// module's comment).
fn with_added_offset<'a>(
    operator: &Operator<'a>,
    extra: u32,
    operands: Operands,
    bound: u32,
) -> Option<Operator<'a>> {
    let shift = |memarg: &MemArg| -> Option<MemArg> {
        let offset = memarg.offset.checked_add(u64::from(extra))?;
        (memarg.memory == 0 && offset <= u64::from(bound)).then_some(MemArg { offset, ..*memarg })
    };
    macro_rules! shifted {
        ($($variant:ident)* ; $($lane_variant:ident)*) => {
            match operator {
                $(Operator::$variant { memarg } => Some(Operator::$variant { memarg: shift(memarg)? }),)*
                $(Operator::$lane_variant { memarg, lane } => Some(Operator::$lane_variant {
                    memarg: shift(memarg)?,
                    lane: *lane,
                }),)*
                _ => None,
            }
        };
    }
    match operands {
        Operands::Address => shifted!(
            I32Load I64Load F32Load F64Load I32Load8S I32Load8U I32Load16S I32Load16U
            I64Load8S I64Load8U I64Load16S I64Load16U I64Load32S I64Load32U
            V128Load V128Load8x8S V128Load8x8U V128Load16x4S V128Load16x4U V128Load32x2S
            V128Load32x2U V128Load8Splat V128Load16Splat V128Load32Splat V128Load64Splat
            V128Load32Zero V128Load64Zero ;
        ),
        Operands::AddressThenValue => shifted!(
            I32Store I64Store F32Store F64Store I32Store8 I32Store16 I64Store8 I64Store16
            I64Store32 V128Store ;
            V128Load8Lane V128Load16Lane V128Load32Lane V128Load64Lane
            V128Store8Lane V128Store16Lane V128Store32Lane V128Store64Lane
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction,
        MemArg as EncMemArg, MemorySection, MemoryType, TypeSection, ValType,
    };

    const BOUND: u32 = 65536;

    fn memarg(offset: u64) -> EncMemArg {
        EncMemArg {
            offset,
            align: 2,
            memory_index: 0,
        }
    }

    /// A module whose one function (i32) -> i32 runs `body`.
    fn module(body: &[Instruction]) -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([ValType::I32], [ValType::I32]);
        let mut functions = FunctionSection::new();
        functions.function(0);
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        let mut exports = ExportSection::new();
        exports.export("f", ExportKind::Func, 0);
        let mut function = Function::new([]);
        for instruction in body {
            function.instruction(instruction);
        }
        function.instruction(&Instruction::End);
        let mut code = CodeSection::new();
        code.function(&function);
        let mut module = Module::new();
        module
            .section(&types)
            .section(&functions)
            .section(&memories)
            .section(&exports)
            .section(&code);
        module.finish()
    }

    /// The operators of the module's one function, as text.
    fn operators(module: &[u8]) -> Vec<String> {
        wasmparser::validate(module).expect("the rewritten module is valid");
        for payload in Parser::new(0).parse_all(module) {
            if let Payload::CodeSectionEntry(body) = payload.unwrap() {
                let mut reader = body.get_operators_reader().unwrap();
                let mut text = Vec::new();
                while !reader.eof() {
                    text.push(format!("{:?}", reader.read().unwrap()));
                }
                return text;
            }
        }
        panic!("no function in the module")
    }

    /// `body` folded: the function's operators as text, and the count.
    fn fold(body: &[Instruction]) -> (Vec<String>, Folded) {
        let (rewritten, folded) = fold_constant_offsets(&module(body), BOUND).unwrap();
        (operators(&rewritten), folded)
    }

    #[test]
    fn a_small_constant_joins_the_load_offset() {
        let (text, folded) = fold(&[
            Instruction::LocalGet(0),
            Instruction::I32Const(2000),
            Instruction::I32Add,
            Instruction::I32Load(memarg(8)),
        ]);
        assert_eq!((folded.address_only, folded.address_then_value), (1, 0));
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(text[0].starts_with("LocalGet"), "{text:?}");
        assert!(text[1].contains("offset: 2008"), "{text:?}");
    }

    #[test]
    fn a_store_keeps_its_value_and_takes_the_constant() {
        let (text, folded) = fold(&[
            Instruction::LocalGet(0),
            Instruction::I32Const(16),
            Instruction::I32Add,
            Instruction::LocalGet(0),
            Instruction::I32Store(memarg(4)),
            Instruction::LocalGet(0),
        ]);
        assert_eq!((folded.address_only, folded.address_then_value), (0, 1));
        assert_eq!(text.len(), 5, "{text:?}");
        assert!(text[2].contains("I32Store") && text[2].contains("offset: 20"));
    }

    #[test]
    fn a_vector_lane_store_is_folded_as_a_store() {
        let (text, folded) = fold(&[
            Instruction::LocalGet(0),
            Instruction::I32Const(8),
            Instruction::I32Add,
            Instruction::V128Const(0),
            Instruction::V128Store32Lane {
                memarg: memarg(4),
                lane: 2,
            },
            Instruction::LocalGet(0),
        ]);
        assert_eq!((folded.address_only, folded.address_then_value), (0, 1));
        assert!(
            text[2].contains("offset: 12") && text[2].contains("lane: 2"),
            "{text:?}"
        );
    }

    #[test]
    fn folds_that_uncover_others_are_all_made() {
        let (text, folded) = fold(&[
            Instruction::LocalGet(0),
            Instruction::I32Const(160),
            Instruction::I32Add,
            Instruction::I32Const(32),
            Instruction::I32Add,
            Instruction::I32Const(7),
            Instruction::I32Store(memarg(0)),
            Instruction::LocalGet(0),
        ]);
        assert_eq!((folded.address_only, folded.address_then_value), (0, 2));
        assert!(text[2].contains("offset: 192"), "{text:?}");
    }

    #[test]
    fn constants_that_could_wrap_into_used_memory_stay() {
        // Above the bound, negative (a huge unsigned addend), zero, or with
        // something between the add and the access: left as they are.
        for body in [
            vec![Instruction::I32Const(65537), Instruction::I32Add],
            vec![Instruction::I32Const(-8), Instruction::I32Add],
            vec![Instruction::I32Const(0), Instruction::I32Add],
            vec![
                Instruction::I32Const(8),
                Instruction::I32Add,
                Instruction::I32Const(2),
                Instruction::I32Shl,
            ],
        ] {
            let mut body = [vec![Instruction::LocalGet(0)], body].concat();
            body.push(Instruction::I32Load(memarg(0)));
            let original = module(&body);
            let (rewritten, folded) = fold_constant_offsets(&original, BOUND).unwrap();
            assert_eq!(folded, Folded::default(), "{body:?}");
            assert_eq!(rewritten, original, "{body:?}");
        }
    }

    #[test]
    fn an_access_whose_offset_would_pass_the_bound_stays() {
        // `address + 8` wrapping would make the original read at 65,532 to
        // 65,539, partly data: folded, it would trap instead.
        let above = [
            Instruction::LocalGet(0),
            Instruction::I32Const(8),
            Instruction::I32Add,
            Instruction::I32Load(memarg(65_532)),
        ];
        let (rewritten, folded) = fold_constant_offsets(&module(&above), BOUND).unwrap();
        assert_eq!(folded, Folded::default());
        assert_eq!(rewritten, module(&above));
        // Up to the bound itself, the wrapped address is still unused memory.
        let (text, folded) = fold(&[
            Instruction::LocalGet(0),
            Instruction::I32Const(8),
            Instruction::I32Add,
            Instruction::I32Load(memarg(u64::from(BOUND) - 8)),
        ]);
        assert_eq!((folded.address_only, folded.address_then_value), (1, 0));
        assert!(text[1].contains(&format!("offset: {BOUND}")), "{text:?}");
    }

    #[test]
    fn a_module_without_anything_to_fold_is_copied_byte_for_byte() {
        let original = module(&[Instruction::LocalGet(0)]);
        let (rewritten, _) = fold_constant_offsets(&original, BOUND).unwrap();
        assert_eq!(rewritten, original);
        assert!(fold_constant_offsets(b"\0asm\x01\0\0\0\x0a", BOUND).is_err());
    }
}
