// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/**
 * @title KhoToken
 * @author Kho
 * @notice Development and test token (KHO, 18 decimals) with EIP-2612 permit and owner minting. The protocol
 * contracts take any ERC-20 address; nothing depends on this contract beyond local demos and tests.
 */
contract KhoToken is ERC20, ERC20Permit, Ownable {
    /// @param initialOwner The account allowed to mint.
    constructor(address initialOwner) ERC20("Kho", "KHO") ERC20Permit("Kho") Ownable(initialOwner) {}

    /**
     * @notice Mints `amount` tokens to `to`. Owner only.
     * @param to Recipient.
     * @param amount Token units (18 decimals).
     */
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
