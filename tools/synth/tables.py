"""The invented constants and name pools the synthetic catalog draws from."""

from __future__ import annotations

OFFICIAL = "chutes"

COMPUTE_UNIT_PRICE_BASIS = 4.5  # USD/hour per compute-multiplier unit (server constant)
TAO_USD = 214.37  # invented TAO price for this snapshot
CACHE_DISCOUNT = 0.5  # input_cache_read = input * (1 - discount)
PER_STEP_FACTOR = 0.005  # diffusion: USD per step = hourly * factor

# GPU ref -> (VRAM GB, invented USD/hour). Keys are real short refs of the server's GPU table.
GPUS: dict[str, tuple[int, float]] = {
    "b300": (288, 4.2),
    "b200": (192, 3.6),
    "mi300x": (192, 2.4),
    "h200": (141, 2.75),
    "pro_6000": (96, 1.6),
    "h100_sxm": (80, 2.1),
    "h100": (80, 1.95),
    "h800": (80, 1.8),
    "a100_sxm": (80, 1.4),
    "a100": (80, 1.3),
    "l40s": (48, 0.95),
    "a6000_ada": (48, 0.85),
    "l40": (48, 0.8),
    "a6000": (48, 0.7),
    "a40": (48, 0.55),
    "5090": (32, 0.6),
    "4090": (24, 0.45),
    "l4": (24, 0.4),
    "a10": (24, 0.35),
    "3090": (24, 0.3),
}
TEE_GPUS = ("h200", "h100", "b200", "b300")
VRAM_TIERS = (24, 32, 48, 80, 96, 141, 192, 288)
GPU_COUNTS = (1, 2, 4, 8)
REGIONS = (
    "us-east",
    "us-central",
    "us-west",
    "ca-central",
    "eu-central",
    "eu-west",
    "eu-north",
    "ap-southeast",
    "ap-northeast",
    "sa-east",
)
CHUTES_VERSIONS = ("0.3.54", "0.3.58", "0.3.61", "0.4.2", "0.4.7", "0.5.1", "0.5.3")
CONTEXTS = (8192, 16384, 32768, 40960, 65536, 131072, 163840, 202752, 262144, 524288, 1048576)
CONTEXT_WEIGHTS = (1, 2, 6, 5, 6, 14, 6, 4, 8, 2, 1)
SAMPLING = (
    "temperature",
    "top_p",
    "top_k",
    "repetition_penalty",
    "frequency_penalty",
    "presence_penalty",
    "stop",
    "seed",
)

# (org, series, sizes [(label, params in B)], variants, vision). Combined into invented names.
LLM_FAMILIES: tuple[
    tuple[str, tuple[str, ...], tuple[tuple[str, float], ...], tuple[str, ...], bool], ...
] = (
    (
        "deepseek-ai",
        ("DeepSeek-V3.1", "DeepSeek-V3.2", "DeepSeek-V3.5", "DeepSeek-V4"),
        (("", 671),),
        ("", "-Terminus", "-Exp", "-0915", "-Speciale"),
        False,
    ),
    (
        "deepseek-ai",
        ("DeepSeek-R1", "DeepSeek-R2"),
        (("", 671), ("-Distill-Qwen3-8B", 8), ("-Distill-Llama-70B", 70)),
        ("", "-0528", "-1120"),
        False,
    ),
    (
        "Qwen",
        ("Qwen3", "Qwen3.5", "Qwen3.6"),
        (
            ("-4B", 4),
            ("-8B", 8),
            ("-14B", 14),
            ("-32B", 32),
            ("-30B-A3B", 30),
            ("-80B-A3B", 80),
            ("-235B-A22B", 235),
            ("-397B-A17B", 397),
        ),
        ("", "-Instruct-2507", "-Thinking-2507", "-Instruct-2511"),
        False,
    ),
    (
        "Qwen",
        ("Qwen3-VL", "Qwen3.5-VL"),
        (("-8B", 8), ("-32B", 32), ("-235B-A22B", 235)),
        ("-Instruct", "-Thinking"),
        True,
    ),
    (
        "Qwen",
        ("Qwen3-Coder", "Qwen3.5-Coder"),
        (("-30B-A3B", 30), ("-480B-A35B", 480)),
        ("-Instruct", "-Instruct-2512"),
        False,
    ),
    (
        "zai-org",
        ("GLM-4.5", "GLM-4.6", "GLM-4.7", "GLM-5", "GLM-5.1"),
        (("", 355), ("-Air", 106)),
        ("",),
        False,
    ),
    ("zai-org", ("GLM-4.5V", "GLM-4.6V", "GLM-5V"), (("", 106),), ("", "-Flash"), True),
    (
        "moonshotai",
        ("Kimi-K2", "Kimi-K2.5", "Kimi-K3"),
        (("", 1000),),
        ("-Instruct", "-Instruct-0905", "-Thinking", "-Instruct-1201"),
        False,
    ),
    ("unsloth", ("gemma-3", "gemma-3n"), (("-4b", 4), ("-12b", 12), ("-27b", 27)), ("-it",), True),
    (
        "unsloth",
        ("Mistral-Small-3.2", "Mistral-Small-3.3"),
        (("-24B", 24),),
        ("-Instruct-2506", "-Instruct-2511"),
        True,
    ),
    ("unsloth", ("Mistral-Nemo",), (("", 12),), ("-Instruct-2407", "-Instruct-2411"), False),
    ("unsloth", ("Llama-3.3", "Llama-3.4"), (("-70B", 70), ("-8B", 8)), ("-Instruct",), False),
    ("google", ("gemma-4",), (("-9B", 9), ("-31B", 31)), ("-it", "-turbo"), True),
    (
        "meta-llama",
        ("Llama-4-Scout", "Llama-4-Maverick"),
        (("-17B-16E", 109), ("-17B-128E", 400)),
        ("-Instruct",),
        True,
    ),
    (
        "mistralai",
        ("Devstral-Small-2", "Magistral-Small-1.3"),
        (("-24B", 24),),
        ("-2512", "-Instruct"),
        False,
    ),
    ("mistralai", ("Mistral-Large-3", "Mistral-Medium-3.2"), (("-123B", 123),), ("-Instruct-2512",), False),
    ("openai", ("gpt-oss",), (("-20b", 20), ("-120b", 120)), ("",), False),
    ("NousResearch", ("Hermes-4", "Hermes-4.5"), (("-14B", 14), ("-70B", 70), ("-405B", 405)), ("",), False),
    ("MiniMaxAI", ("MiniMax-M2", "MiniMax-M2.1", "MiniMax-M2.5"), (("", 230),), ("",), False),
    (
        "nvidia",
        ("Llama-3.3-Nemotron-Super", "Nemotron-3-Super"),
        (("-49B", 49), ("-120B-A12B", 120)),
        ("-v1.5", ""),
        False,
    ),
    ("", ("Nemotron-3-Nano-Omni",), (("-30B", 30),), ("", "-Reasoning"), True),
    ("microsoft", ("Phi-4", "Phi-5"), (("-mini", 4), ("", 14)), ("-instruct", "-reasoning"), False),
    ("tencent", ("Hunyuan-A13B", "Hunyuan-A20B"), (("", 80),), ("-Instruct",), False),
    ("baidu", ("ERNIE-4.5", "ERNIE-5"), (("-21B-A3B", 21), ("-300B-A47B", 300)), ("-PT", "-Thinking"), False),
    ("inclusionAI", ("Ling-1T", "Ring-1T", "Ling-flash-2.1"), (("", 1000),), ("",), False),
    ("ByteDance-Seed", ("Seed-OSS-36B", "Seed-OSS-72B"), (("", 36),), ("-Instruct",), False),
    ("stepfun-ai", ("Step-3.5", "Step-4"), (("-Flash", 196), ("", 321)), ("",), True),
)
# Suffix -> weight in the pool order; "-TEE" is the most common suffix on Chutes.
LLM_SUFFIXES: dict[str, float] = {"-TEE": 2.2, "": 1.5, "-FP8": 0.5, "-turbo": 0.3}
# Models the chutes list never shows (v1_only entries); orgs not used anywhere else.
V1_ONLY_MODELS = (
    "allenai/Olmo-3.5-32B-Think",
    "ibm-granite/granite-4.2-h-small",
    "tngtech/R1T3-Chimera",
    "arcee-ai/Trinity-Large-Preview",
    "swiss-ai/Apertus-70B-Instruct-2611",
    "LiquidAI/LFM3-24B-A2B",
    "rednote-hilab/dots.llm3.inst",
    "XiaomiMiMo/MiMo-V3-Flash",
)
DIFFUSION_MODELS = (
    "FLUX.1-dev",
    "FLUX.1-schnell",
    "FLUX.2-dev",
    "FLUX.1-Krea-dev",
    "HiDream-I1-Full",
    "HiDream-I2-Fast",
    "Qwen/Qwen-Image",
    "Qwen/Qwen-Image-Edit-2511",
    "stabilityai/stable-diffusion-xl-base-1.0",
    "SDXL-Lightning-4step",
    "Lumina-Image-2.1",
    "Chroma1-HD",
    "Wan2.3-T2I-14B",
    "PixArt-Sigma-XL-1024",
    "Juggernaut-XL-v11",
    "Illustrious-XL-v2",
    "Kolors-v2",
    "CogView5-6B",
    "SANA-1.6B-2K",
    "playground-v3",
)
TEI_MODELS = (
    "BAAI/bge-large-en-v1.5",
    "BAAI/bge-m3",
    "BAAI/bge-reranker-v2-m3",
    "intfloat/multilingual-e5-large-instruct",
    "mixedbread-ai/mxbai-rerank-large-v2",
    "sentence-transformers/all-mpnet-base-v2",
    "Snowflake/snowflake-arctic-embed-l-v2.0",
    "nomic-ai/nomic-embed-text-v1.5",
    "thenlper/gte-large",
    "jinaai/jina-reranker-v3",
)
EMBEDDING_MODELS = (
    "Qwen/Qwen3-Embedding-8B",
    "Qwen/Qwen3-Embedding-4B",
    "Qwen/Qwen3-Embedding-0.6B",
    "Alibaba-NLP/gte-Qwen3-7B-instruct",
    "nvidia/llama-embed-nemotron-8b",
    "intfloat/e5-mistral-7b-instruct",
    "jinaai/jina-embeddings-v4",
    "google/embeddinggemma-300m",
    "Linq-AI-Research/Linq-Embed-Mistral-2",
    "BAAI/bge-multilingual-gemma3",
)
CUSTOM_MODELS = (
    "whisper-large-v3-turbo",
    "kokoro-82m",
    "csm-1b",
    "orpheus-3b-tts",
    "dia-1.6b",
    "parakeet-tdt-0.6b-v3",
    "musicgen-large",
    "mochi-1-video",
    "Wan2.2-I2V-A14B",
    "HunyuanVideo-1.5",
    "llama-guard-4-12b",
    "florence-2-large-ocr",
    "GOT-OCR-2.1",
    "moondream3",
    "sam2-hiera-large",
    "depth-anything-v3",
    "xtts-v2",
    "f5-tts",
    "ace-step-music",
    "docling-pipeline",
)
COMMUNITY_USERS = (
    "neuralforge",
    "kiln-labs",
    "mossbyte",
    "tensorhound",
    "ptrlabs",
    "quietmodel",
    "subnetsmith",
    "hotkeyhero",
    "gradientgarden",
    "latentfox",
    "bitsandbobs",
    "opalinference",
    "rivetai",
    "nightshift-ml",
    "cobaltcompute",
    "ferrous",
    "peachtree-ai",
    "weightwatcher",
    "loomwork",
    "sparrowstack",
    "tidepool",
    "emberlane",
    "quantquill",
    "hexagonal",
    "driftwood-ai",
    "saltmarsh",
    "copperkettle",
    "vantablack-labs",
    "northwind-ml",
    "pixelprairie",
)
FINETUNES = (
    "abliterated",
    "roleplay",
    "uncensored",
    "sft",
    "dpo",
    "merge",
    "math",
    "coder-ft",
    "heretic",
    "distill",
    "longctx",
    "lora-merged",
    "chat",
    "tools",
)
TAGLINES = {
    "vllm": (
        "Fast {model} inference",
        "{model}, OpenAI-compatible chat",
        "{model} with tool calling",
        "Long-context {model}",
        "{model}: reasoning model",
        "Cheap {model} endpoint",
    ),
    "diffusion": (
        "{model} text-to-image",
        "High quality images with {model}",
        "{model}, fast image generation",
    ),
    "tei": ("{model} embeddings via TEI", "{model} reranking"),
    "embedding": ("{model} embeddings", "Multilingual embeddings: {model}"),
    None: ("{model} as a service", "Custom chute running {model}", "{model} pipeline"),
}
