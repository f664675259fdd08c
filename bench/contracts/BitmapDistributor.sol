// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title BitmapDistributor
 * @author Kho bench
 * @notice Reference for the per-epoch design Kho's cumulative claims replace (bench `gas`, never
 * deployed): Uniswap's MerkleDistributor with one root per epoch. Leaves are
 * `keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))))`; a bitmap per epoch marks
 * claimed indexes, so an account claims once per epoch it earned in.
 */
contract BitmapDistributor {
    using SafeERC20 for IERC20;

    /// @notice The reward token.
    IERC20 public immutable token;
    /// @notice Who sets roots.
    address public immutable owner;
    /// @notice Each epoch's root; written by setRoot.
    mapping(uint64 epoch => bytes32 root) public roots;
    /// @notice Claimed indexes per epoch, 256 per word; written by claim.
    mapping(uint64 epoch => mapping(uint256 word => uint256 bits)) private _claimedBits;

    /// @notice Only the owner sets roots.
    error NotOwner(address caller);
    /// @notice The proof does not place the leaf in the epoch's root.
    error InvalidProof(uint64 epoch, uint256 index);
    /// @notice The index was already claimed in that epoch.
    error AlreadyClaimed(uint64 epoch, uint256 index);

    /// @notice One epoch's amount was paid.
    event Claimed(uint64 indexed epoch, uint256 index, address indexed account, uint256 amount);

    /// @param token_ The reward token (fund it by transfer).
    constructor(IERC20 token_) {
        token = token_;
        owner = msg.sender;
    }

    /// @param epoch The epoch.
    /// @param newRoot Its root.
    function setRoot(uint64 epoch, bytes32 newRoot) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        roots[epoch] = newRoot;
    }

    /// @notice Pays `amount` to `account` for `epoch`, once per index.
    function claim(uint64 epoch, uint256 index, address account, uint256 amount, bytes32[] calldata proof) external {
        uint256 word = index >> 8;
        uint256 bit = 1 << (index & 0xff);
        uint256 bits = _claimedBits[epoch][word];
        if (bits & bit != 0) revert AlreadyClaimed(epoch, index);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(index, account, amount))));
        if (!MerkleProof.verifyCalldata(proof, roots[epoch], leaf)) revert InvalidProof(epoch, index);
        _claimedBits[epoch][word] = bits | bit;
        emit Claimed(epoch, index, account, amount);
        token.safeTransfer(account, amount);
    }
}
